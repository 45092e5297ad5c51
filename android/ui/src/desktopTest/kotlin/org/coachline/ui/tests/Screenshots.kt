package org.coachline.ui.tests

import androidx.compose.runtime.Composable
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.unit.Density
import java.awt.image.BufferedImage
import java.io.ByteArrayInputStream
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import javax.imageio.ImageIO
import kotlin.math.abs
import org.coachline.ui.CoachlineTheme
import org.jetbrains.skia.EncodedImageFormat
import org.junit.jupiter.api.Assertions.fail

/**
 * Renders a composable headless (Skiko on the CPU) and compares it with a reference
 * PNG committed in android/ui/src/desktopTest/screenshots.
 *
 * The phone: 412 x 915 dp (a common Android size) at density 2, so 824 x 1830
 * pixels. Fonts: only Debian's DejaVu, through the fontconfig file the script sets.
 *
 * The comparison: a pixel differs when one of its channels (R, G, B, A) differs by
 * more than [CHANNEL_THRESHOLD] (of 255); the image differs when more than
 * [MAX_DIFFERING_FRACTION] of its pixels differ. Measured on Home (824 x 1830 px):
 * the same screen drawn again differs in 0 pixels (Skiko on the CPU is
 * deterministic on one machine); one digit changed in the 18 sp message ("8:00" to
 * "9:00") differs in 0.013% (~200 px); a full stop removed, 0.001% (~15 px). Other
 * CPUs or Skia builds move anti-aliased edges by a few levels, rarely past 48, so
 * the channel threshold lets them through, and 0.005% (~75 px on a phone screen)
 * fails on a changed digit, word, colour or layout. Not on a lone full stop: that is
 * the price of not failing on anti-aliasing.
 *
 * `COACHLINE_UPDATE_SCREENSHOTS=1` writes the references instead of comparing. On a
 * mismatch the actual image and a diff (differing pixels in magenta over a faded
 * copy of the reference) are written to `coachline.screenshots.out`.
 */
object Screenshots {
    const val WIDTH_DP = 412
    const val HEIGHT_DP = 915
    const val DENSITY = 2f
    const val CHANNEL_THRESHOLD = 48
    const val MAX_DIFFERING_FRACTION = 0.00005

    private val references: Path = Paths.get(System.getProperty("coachline.screenshots.references") ?: "android/ui/src/desktopTest/screenshots")
    private val out: Path = Paths.get(System.getProperty("coachline.screenshots.out") ?: "target/android-ui-tests/screenshots")
    private val update = System.getenv("COACHLINE_UPDATE_SCREENSHOTS") == "1"

    /** The PNG bytes of [content] drawn in the Coachline theme on the phone. */
    fun render(heightDp: Int = HEIGHT_DP, content: @Composable () -> Unit): ByteArray =
        scene(heightDp, content).use { it.png() }

    /** A scene to draw, tap and draw again; close it (`use`). */
    fun scene(heightDp: Int = HEIGHT_DP, content: @Composable () -> Unit): Scene =
        Scene(
            ImageComposeScene(
                width = (WIDTH_DP * DENSITY).toInt(),
                height = (heightDp * DENSITY).toInt(),
                density = Density(DENSITY),
            ) { CoachlineTheme(content) },
        )

    class Scene(val scene: ImageComposeScene) : AutoCloseable {
        private var frame = 0L

        /** Draws a frame (two: the first lays out, the second draws what it measured). */
        fun image(): org.jetbrains.skia.Image {
            scene.render(frame)
            frame += 16_000_000L
            return scene.render(frame).also { frame += 16_000_000L }
        }

        fun png(): ByteArray = image().encodeToData(EncodedImageFormat.PNG)?.bytes ?: error("PNG encoding failed")

        /** A finger's tap at pixel ([x], [y]). */
        fun tap(x: Int, y: Int) {
            val at = androidx.compose.ui.geometry.Offset(x.toFloat(), y.toFloat())
            scene.sendPointerEvent(androidx.compose.ui.input.pointer.PointerEventType.Press, at, type = androidx.compose.ui.input.pointer.PointerType.Touch)
            scene.sendPointerEvent(androidx.compose.ui.input.pointer.PointerEventType.Release, at, type = androidx.compose.ui.input.pointer.PointerType.Touch)
            image()
        }

        override fun close() = scene.close()
    }

    /** Compares [png] with the reference `name.png`, or writes it when updating. */
    fun assertMatches(name: String, png: ByteArray) {
        val reference = references.resolve("$name.png")
        Files.createDirectories(out)
        Files.write(out.resolve("$name.png"), png)
        if (update) {
            Files.createDirectories(references)
            Files.write(reference, png)
            return
        }
        if (!Files.exists(reference)) {
            fail<Unit>("no reference screenshot $name.png: run with COACHLINE_UPDATE_SCREENSHOTS=1 and look at it")
        }
        val expected = ImageIO.read(reference.toFile())
        val actual = ImageIO.read(ByteArrayInputStream(png))
        if (expected.width != actual.width || expected.height != actual.height) {
            fail<Unit>("$name: ${actual.width}x${actual.height}, reference ${expected.width}x${expected.height}; actual in $out")
        }
        val diff = BufferedImage(expected.width, expected.height, BufferedImage.TYPE_INT_ARGB)
        var differing = 0
        for (y in 0 until expected.height) {
            for (x in 0 until expected.width) {
                val e = expected.getRGB(x, y)
                val a = actual.getRGB(x, y)
                if (channelDistance(e, a) > CHANNEL_THRESHOLD) {
                    differing++
                    diff.setRGB(x, y, 0xFFFF00FF.toInt())
                } else {
                    diff.setRGB(x, y, faded(e))
                }
            }
        }
        val fraction = differing.toDouble() / (expected.width * expected.height)
        if (fraction > MAX_DIFFERING_FRACTION) {
            ImageIO.write(diff, "png", out.resolve("$name.diff.png").toFile())
            fail<Unit>(
                "$name differs from its reference in %.4f%% of pixels (more than %.4f%% allowed): see %s and %s"
                    .format(fraction * 100, MAX_DIFFERING_FRACTION * 100, out.resolve("$name.png"), out.resolve("$name.diff.png")),
            )
        }
    }

    private fun channelDistance(p: Int, q: Int): Int =
        (0..24 step 8).maxOf { shift -> abs(((p ushr shift) and 0xFF) - ((q ushr shift) and 0xFF)) }

    private fun faded(p: Int): Int {
        val r = (((p ushr 16) and 0xFF) + 3 * 255) / 4
        val g = (((p ushr 8) and 0xFF) + 3 * 255) / 4
        val b = ((p and 0xFF) + 3 * 255) / 4
        return (0xFF shl 24) or (r shl 16) or (g shl 8) or b
    }
}
