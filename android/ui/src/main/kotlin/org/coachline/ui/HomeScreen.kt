package org.coachline.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.CornerRadius
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.StrokeCap
import androidx.compose.ui.graphics.StrokeJoin
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.coachline.Action
import org.coachline.Home
import org.coachline.Permission

/**
 * The client's Home: the answer to "can I call my therapist now?" first, large, in
 * the colour of its state (green: yes; lavender: paused; sand: later), then the
 * buttons in the record's order (crisis resources first when calls are paused), the
 * primary one tallest.
 */
@Composable
fun HomeScreen(screen: Home, onAction: (Action) -> Unit, modifier: Modifier = Modifier) {
    val tone = toneOf(screen)
    ScreenColumn(modifier) {
        screen.banner?.let { banner ->
            ActionButton(banner, onAction)
        }
        Surface(color = tone.container, contentColor = tone.ink, shape = RoundedCornerShape(24.dp), modifier = Modifier.fillMaxWidth()) {
            Column(Modifier.padding(20.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(16.dp)) {
                    StateGlyph(screen, tone.accent)
                    Text(
                        screen.headline,
                        style = MaterialTheme.typography.displaySmall,
                        modifier = Modifier.weight(1f).semantics { heading() },
                    )
                }
                Text(screen.message, style = MaterialTheme.typography.bodyLarge)
            }
        }
        screen.callback?.let { callback ->
            Note(
                callback.text,
                container = if (callback.overdue) Palette.AttentionSoft else MaterialTheme.colorScheme.surfaceContainer,
            )
        }
        Column(verticalArrangement = Arrangement.spacedBy(12.dp)) {
            for (button in screen.actions) {
                ActionButton(button, onAction, resourcesFirst = !screen.canCall)
            }
        }
        screen.backupPlan?.let { plan ->
            Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                Text(screen.backupPlanTitle, style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
                Note(plan)
            }
        }
    }
}

internal fun toneOf(screen: Home): Tone = when {
    screen.canCall -> Tone(Palette.CanCall, Palette.CanCallInk, Palette.CanCallAccent)
    screen.permission == Permission.LOCKED_OUT -> Tone(Palette.Paused, Palette.PausedInk, Palette.PausedAccent)
    else -> Tone(Palette.Later, Palette.LaterInk, Palette.LaterAccent)
}

/**
 * A wordless sign of the answer, beside the headline: a tick in a disc when the
 * client may call, a pause sign when a lockout holds, a clock face when it is out
 * of hours. Drawn, so no icon font or resource is needed.
 */
@Composable
private fun StateGlyph(screen: Home, accent: Color) {
    Canvas(Modifier.size(56.dp)) {
        val r = size.minDimension / 2
        val c = Offset(size.width / 2, size.height / 2)
        drawCircle(accent, radius = r, center = c)
        val ink = Color.White
        val w = size.minDimension * 0.09f
        when {
            screen.canCall -> {
                val p = Path().apply {
                    moveTo(c.x - r * 0.42f, c.y + r * 0.02f)
                    lineTo(c.x - r * 0.1f, c.y + r * 0.34f)
                    lineTo(c.x + r * 0.46f, c.y - r * 0.32f)
                }
                drawPath(p, ink, style = Stroke(width = w, cap = StrokeCap.Round, join = StrokeJoin.Round))
            }
            screen.permission == Permission.LOCKED_OUT -> {
                val barW = r * 0.24f
                val barH = r * 0.9f
                for (dx in listOf(-r * 0.2f - barW, r * 0.2f)) {
                    drawRoundRect(
                        ink,
                        topLeft = Offset(c.x + dx, c.y - barH / 2),
                        size = Size(barW, barH),
                        cornerRadius = CornerRadius(barW / 3),
                    )
                }
            }
            else -> {
                drawCircle(ink, radius = r * 0.62f, center = c, style = Stroke(width = w))
                drawLine(ink, c, Offset(c.x, c.y - r * 0.4f), strokeWidth = w, cap = StrokeCap.Round)
                drawLine(ink, c, Offset(c.x + r * 0.3f, c.y), strokeWidth = w, cap = StrokeCap.Round)
            }
        }
    }
}
