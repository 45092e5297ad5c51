package org.coachline.ui.tests

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import java.io.ByteArrayInputStream
import java.nio.file.Path
import javax.imageio.ImageIO
import org.coachline.Action
import org.coachline.CallDraft
import org.coachline.CallReason
import org.coachline.Effect
import org.coachline.ReportDraft
import org.coachline.ReportWhen
import org.coachline.tests.MONDAY_MORNING
import org.coachline.tests.Phones
import org.coachline.ui.BeforeCallScreen
import org.coachline.ui.HomeScreen
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * Taps on the rendered screens reach the core: a finger on the first crisis resource
 * sends its Action (and `act` answers with the dialler), a finger on a reason fills
 * the draft and the recomputed worksheet loses its problem.
 */
class InteractionTest {
    private val newYork = "America/New_York"
    private val middle = (Screenshots.WIDTH_DP * Screenshots.DENSITY / 2).toInt()

    /** The first row, down the middle of the screen, whose pixel is [rgb] (within 8 levels). */
    private fun firstRowOf(png: ByteArray, rgb: Int): Int {
        val image = ImageIO.read(ByteArrayInputStream(png))
        val x = image.width / 2
        for (y in 0 until image.height) {
            val p = image.getRGB(x, y)
            if ((0..16 step 8).all { s -> kotlin.math.abs(((p ushr s) and 0xFF) - ((rgb ushr s) and 0xFF)) <= 8 }) return y
        }
        fail("no pixel of the colour looked for down the middle of the screen")
    }

    @Test
    fun `a tap on the first crisis resource of a locked Home dials it`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val screens = phones.client.screens(newYork)
            val report = screens.report(id, ReportDraft(null, ReportWhen.MinutesAgo(60u)), MONDAY_MORNING)
            screens.act(report.submit.action, MONDAY_MORNING)
            val home = screens.home(id, MONDAY_MORNING)
            val sent = mutableListOf<Action>()
            Screenshots.scene { HomeScreen(home, { sent += it }) }.use { scene ->
                val top = firstRowOf(scene.png(), 0x145C73) // the crisis resources' colour
                scene.tap(middle, top + 30)
            }
            assertEquals(listOf(home.actions[0].action), sent)
            assertTrue(sent[0] is Action.ContactResource)
            assertEquals(listOf<Effect>(Effect.Dial("tel:988")), screens.act(sent[0], MONDAY_MORNING))
        }
    }

    @Test
    fun `a tap on a reason fills the draft and its problem goes`(@TempDir dir: Path) {
        Phones(dir).use { phones ->
            val id = phones.activeAgreement()
            val screens = phones.client.screens(newYork)
            var draft by mutableStateOf(CallDraft())
            var screen by mutableStateOf(screens.beforeCall(id, draft, MONDAY_MORNING))
            assertNotNull(screen.reason.problem)
            Screenshots.scene {
                BeforeCallScreen(screen, draft, { d ->
                    draft = d
                    screen = screens.beforeCall(id, d, MONDAY_MORNING)
                }, {})
            }.use { scene ->
                val top = firstRowOf(scene.png(), 0xAD1F1F) // the first reason's border, in the problem colour
                scene.tap(middle, top + 40)
            }
            assertEquals(CallReason.COACHING, draft.reason)
            assertNull(screen.reason.problem)
        }
    }
}
