package org.coachline.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.unit.dp
import org.coachline.SessionPrep

/** Calls by reason, in the order of `reason_labels`: coaching, clarification, repair, news. */
private val ReasonColors = listOf(Color(0xFF145C73), Color(0xFF4F46A0), Color(0xFF1D7A3E), Color(0xFF8A5A12))
private val DeclinedColor = Color(0xFF6B7785)

/**
 * The preparation for the next session: the summary's sentences, then three plots
 * (urges before and after each call, calls per week by reason, lockouts over the
 * period), titled by the core. Axis numbers are the data's own.
 */
@Composable
fun SessionPrepScreen(screen: SessionPrep, modifier: Modifier = Modifier) {
    ScreenColumn(modifier) {
        Title(screen.title)
        for (line in screen.lines) Body(line)
        val titles = screen.chartTitles
        titles.getOrNull(0)?.let { ChartTitle(it) }
        UrgeChart(screen)
        titles.getOrNull(1)?.let { ChartTitle(it) }
        WeeksChart(screen)
        Legend(screen.reasonLabels)
        titles.getOrNull(2)?.let { ChartTitle(it) }
        LockoutChart(screen)
        for (window in screen.lockouts) Body(window.label, color = MaterialTheme.colorScheme.onSurfaceVariant)
    }
}

@Composable
private fun ChartTitle(text: String) {
    Text(text, style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(top = 8.dp))
}

@Composable
private fun ChartBox(height: Int, draw: androidx.compose.ui.graphics.drawscope.DrawScope.() -> Unit) {
    Box(
        Modifier.fillMaxWidth().height(height.dp)
            .background(MaterialTheme.colorScheme.surfaceContainerLow, RoundedCornerShape(12.dp))
            .padding(12.dp),
    ) {
        Canvas(Modifier.fillMaxWidth().height((height - 24).dp), onDraw = draw)
    }
}

/** Urge (0 to 5) before a call as a hollow dot, after it as a filled one, joined. */
@Composable
private fun UrgeChart(screen: SessionPrep) {
    val span = (screen.untilMs - screen.sinceMs).coerceAtLeast(1)
    val grid = MaterialTheme.colorScheme.outlineVariant
    val before = Palette.Attention
    val after = Palette.Primary
    ChartBox(160) {
        for (level in 0..5) {
            val y = size.height * (1 - level / 5f)
            drawLine(grid, Offset(0f, y), Offset(size.width, y), strokeWidth = 1f)
        }
        for (point in screen.urges) {
            val x = size.width * ((point.atMs - screen.sinceMs).toFloat() / span).coerceIn(0f, 1f)
            val yb = point.before?.let { size.height * (1 - it.toInt() / 5f) }
            val ya = point.after?.let { size.height * (1 - it.toInt() / 5f) }
            if (yb != null && ya != null) drawLine(grid, Offset(x, yb), Offset(x, ya), strokeWidth = 3f)
            yb?.let { drawCircle(before, radius = 7f, center = Offset(x, it), style = androidx.compose.ui.graphics.drawscope.Stroke(3f)) }
            ya?.let { drawCircle(after, radius = 7f, center = Offset(x, it)) }
        }
    }
}

/** Calls per week, stacked by reason, declined ones on top in grey. */
@Composable
private fun WeeksChart(screen: SessionPrep) {
    val weeks = screen.weeks
    val most = weeks.maxOfOrNull { it.coaching + it.clarification + it.repair + it.news + it.declined }?.toInt()?.coerceAtLeast(1) ?: 1
    ChartBox(160) {
        if (weeks.isEmpty()) return@ChartBox
        val slot = size.width / weeks.size
        val barW = slot * 0.6f
        weeks.forEachIndexed { i, week ->
            var top = size.height
            val counts = listOf(week.coaching, week.clarification, week.repair, week.news, week.declined)
            counts.forEachIndexed { k, n ->
                if (n > 0u) {
                    val h = size.height * n.toInt() / most
                    top -= h
                    drawRect(
                        if (k < ReasonColors.size) ReasonColors[k] else DeclinedColor,
                        topLeft = Offset(i * slot + (slot - barW) / 2, top),
                        size = Size(barW, h),
                    )
                }
            }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun Legend(labels: List<String>) {
    FlowRow(horizontalArrangement = Arrangement.spacedBy(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
        labels.forEachIndexed { i, label ->
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                Box(Modifier.size(14.dp).background(ReasonColors.getOrElse(i) { DeclinedColor }, RoundedCornerShape(3.dp)))
                Text(label, style = MaterialTheme.typography.bodyMedium)
            }
        }
    }
}

/** Each lockout as a band along the period. */
@Composable
private fun LockoutChart(screen: SessionPrep) {
    val span = (screen.untilMs - screen.sinceMs).coerceAtLeast(1)
    val track = MaterialTheme.colorScheme.outlineVariant
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        ChartBox(56) {
            drawRect(track, topLeft = Offset(0f, size.height / 2 - 2f), size = Size(size.width, 4f))
            for (w in screen.lockouts) {
                val x0 = size.width * ((w.fromMs - screen.sinceMs).toFloat() / span).coerceIn(0f, 1f)
                val x1 = size.width * ((w.untilMs - screen.sinceMs).toFloat() / span).coerceIn(0f, 1f)
                drawRect(Palette.PausedAccent, topLeft = Offset(x0, 0f), size = Size((x1 - x0).coerceAtLeast(4f), size.height))
            }
        }
    }
}
