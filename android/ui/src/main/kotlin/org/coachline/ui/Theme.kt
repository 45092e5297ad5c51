package org.coachline.ui

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Typography
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.Immutable
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.sp

/**
 * Coachline's colours: calm, high contrast (every text colour here is at least
 * WCAG AA, 4.5:1, on the background it is drawn on; the ratios are in the
 * comments), and no alarm red for a lockout: a lockout is a pause, drawn in a
 * quiet lavender, with the crisis resources as the one bright thing to press.
 * Red (the Material error colour) is kept for a field's problem only.
 */
internal object Palette {
    val Ink = Color(0xFF1B1F23) // 16.6:1 on white
    val InkSoft = Color(0xFF44505C) // 8.2:1 on white
    val Background = Color(0xFFFAFBFC)
    val Surface = Color(0xFFFFFFFF)
    val Outline = Color(0xFF6B7785) // 4.6:1 on white: borders of controls (3:1 needed)
    val Primary = Color(0xFF145C73) // white on it 7.5:1
    val PrimaryContainer = Color(0xFFD3EAF2) // Ink on it 13.3:1
    val Error = Color(0xFFAD1F1F) // 7.0:1 on white: a field's problem, never a lockout

    // Home's answer, by permission.
    val CanCall = Color(0xFFDDF2E3) // green, calm; CanCallInk on it 8.8:1
    val CanCallInk = Color(0xFF0F4A25)
    val CanCallAccent = Color(0xFF1D7A3E) // the glyph; white on it 5.4:1
    val Paused = Color(0xFFE8E5F6) // lavender; PausedInk on it 11.4:1
    val PausedInk = Color(0xFF2A2459)
    val PausedAccent = Color(0xFF4F46A0) // white on it 7.7:1
    val Later = Color(0xFFF5ECDC) // sand; LaterInk on it 10.0:1
    val LaterInk = Color(0xFF4A3410)
    val LaterAccent = Color(0xFF8A5A12) // white on it 5.9:1

    // Crisis resources: the one strong colour when calls are paused.
    val Resource = Color(0xFF145C73) // white on it 7.5:1
    val Attention = Color(0xFF9A4A00) // overdue stripe; white on it 6.3:1
    val AttentionSoft = Color(0xFFFBEBDD) // LaterInk on it 10.1:1, InkSoft 7.1:1
}

/** The colours of one state of Home's answer. */
@Immutable
internal data class Tone(val container: Color, val ink: Color, val accent: Color)

private val CoachlineColors = lightColorScheme(
    primary = Palette.Primary,
    onPrimary = Color.White,
    primaryContainer = Palette.PrimaryContainer,
    onPrimaryContainer = Palette.Ink,
    secondary = Palette.InkSoft,
    onSecondary = Color.White,
    secondaryContainer = Color(0xFFE3E8ED),
    onSecondaryContainer = Palette.Ink,
    background = Palette.Background,
    onBackground = Palette.Ink,
    surface = Palette.Surface,
    onSurface = Palette.Ink,
    surfaceVariant = Color(0xFFEEF1F4),
    onSurfaceVariant = Palette.InkSoft,
    surfaceContainerLow = Color(0xFFF4F6F8),
    surfaceContainer = Color(0xFFEEF1F4),
    surfaceContainerHigh = Color(0xFFE8ECF0),
    outline = Palette.Outline,
    outlineVariant = Color(0xFFC4CCD4),
    error = Palette.Error,
    onError = Color.White,
    errorContainer = Color(0xFFFBE4E2),
    onErrorContainer = Color(0xFF5C0B0B),
)

/** Larger than Material's defaults: read in one glance, under stress. */
private val CoachlineType = Typography().let { base ->
    base.copy(
        displaySmall = base.displaySmall.copy(fontSize = 34.sp, lineHeight = 42.sp, fontWeight = FontWeight.Bold),
        headlineMedium = base.headlineMedium.copy(fontSize = 26.sp, lineHeight = 34.sp, fontWeight = FontWeight.SemiBold),
        titleLarge = base.titleLarge.copy(fontSize = 22.sp, lineHeight = 28.sp, fontWeight = FontWeight.SemiBold),
        titleMedium = base.titleMedium.copy(fontSize = 18.sp, lineHeight = 24.sp, fontWeight = FontWeight.SemiBold),
        bodyLarge = base.bodyLarge.copy(fontSize = 18.sp, lineHeight = 26.sp),
        bodyMedium = base.bodyMedium.copy(fontSize = 16.sp, lineHeight = 22.sp),
        labelLarge = base.labelLarge.copy(fontSize = 18.sp, lineHeight = 24.sp, fontWeight = FontWeight.SemiBold),
    )
}

/** The Coachline theme every screen of this package is drawn in. */
@Composable
fun CoachlineTheme(content: @Composable () -> Unit) {
    MaterialTheme(colorScheme = CoachlineColors, typography = CoachlineType, content = content)
}

internal val MonoStyle = TextStyle(fontFamily = androidx.compose.ui.text.font.FontFamily.Monospace, fontSize = 15.sp)
