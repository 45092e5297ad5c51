package org.coachline.app

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.widget.Toast
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.lifecycleScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.coachline.Action
import org.coachline.AfterCallDraft
import org.coachline.CallDraft
import org.coachline.CoachlineException
import org.coachline.ReportDraft
import org.coachline.NewClientDraft
import org.coachline.ReportWhen
import org.coachline.Route
import org.coachline.TermEditDraft
import org.coachline.WelcomeDraft
import org.coachline.session.CoachlineSession
import org.coachline.ui.CoachlineTheme
import org.coachline.ui.AfterCallScreen as AfterCallUi
import org.coachline.ui.AgreementScreen as AgreementUi
import org.coachline.ui.BeforeCallScreen as BeforeCallUi
import org.coachline.ui.ClientScreen as ClientUi
import org.coachline.ui.ClientsScreen as ClientsUi
import org.coachline.ui.DuringCallScreen as DuringCallUi
import org.coachline.ui.EditorScreen as EditorUi
import org.coachline.ui.HomeScreen as HomeUi
import org.coachline.ui.InviteScreen as InviteUi
import org.coachline.ui.NewClientScreen as NewClientUi
import org.coachline.ui.PairingScreen as PairingUi
import org.coachline.ui.ReportScreen as ReportUi
import org.coachline.ui.SessionPrepScreen as SessionPrepUi
import org.coachline.ui.SyncScreen as SyncUi
import org.coachline.ui.WelcomeScreen as WelcomeUi

/**
 * The one activity: draws the screen the session's route names, sends every button's
 * action back to the session (off the main thread), and applies sync files opened with
 * the app. Navigation is the session's: Effect.Show moves the route, Back pops it.
 */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        receiveSyncFile(intent)
        setContent { CoachlineTheme { Root(coachline, onFirstScreen = { finish() }) } }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        receiveSyncFile(intent)
    }

    override fun onResume() {
        super.onResume()
        // Screens without a refresh instant (Clients) may have moved with the clock.
        lifecycleScope.launch(Dispatchers.IO) { coachline.session.refreshAll() }
    }

    /** A sync message from the other phone (share sheet or "open with"): applied, never logged. */
    private fun receiveSyncFile(intent: Intent?) {
        val uri: Uri = when (intent?.action) {
            Intent.ACTION_VIEW -> intent.data
            @Suppress("DEPRECATION") Intent.ACTION_SEND -> intent.getParcelableExtra(Intent.EXTRA_STREAM)
            else -> null
        } ?: return
        lifecycleScope.launch(Dispatchers.IO) {
            val refused = try {
                val bytes = contentResolver.openInputStream(uri)?.use { it.readNBytes(MAX_SYNC_FILE + 1) }
                if (bytes == null || bytes.size > MAX_SYNC_FILE) true
                else { coachline.session.store.syncReceive(bytes, System.currentTimeMillis()); false }
            } catch (e: CoachlineException) {
                true
            } catch (e: java.io.IOException) {
                true
            }
            if (refused) withContext(Dispatchers.Main) {
                Toast.makeText(this@MainActivity, R.string.sync_file_refused, Toast.LENGTH_LONG).show()
            }
        }
    }

    private companion object {
        const val MAX_SYNC_FILE = 16 * 1024 * 1024
    }
}

@Composable
private fun Root(app: CoachlineApp, onFirstScreen: () -> Unit) {
    val opened by produceState<CoachlineSession?>(null) { value = withContext(Dispatchers.IO) { app.session } }
    val session = opened ?: return
    val scope = rememberCoroutineScope()
    val notDone = stringResource(R.string.not_done)
    val onAction: (Action) -> Unit = { action ->
        scope.launch(Dispatchers.IO) {
            try {
                session.send(action)
            } catch (e: CoachlineException) {
                // The form on screen already names the problem; say only that nothing changed.
                withContext(Dispatchers.Main) { Toast.makeText(app, notDone, Toast.LENGTH_SHORT).show() }
            }
        }
    }

    // The clock: recompute the screens whose refresh instant comes (a lockout ends).
    val nextRefresh by session.nextRefreshAtMs.collectAsStateWithLifecycle()
    LaunchedEffect(nextRefresh) {
        val at = nextRefresh ?: return@LaunchedEffect
        delay((at - System.currentTimeMillis()).coerceAtLeast(0))
        withContext(Dispatchers.IO) { session.refreshDue() }
    }

    BackHandler { if (!session.back()) onFirstScreen() }

    val code by app.effects.shownCode.collectAsStateWithLifecycle()
    code?.let { shown ->
        AlertDialog(
            onDismissRequest = app.effects::dismissCode,
            confirmButton = { TextButton(onClick = app.effects::dismissCode) { Text(stringResource(R.string.close)) } },
            title = { Text(stringResource(R.string.code_title)) },
            text = {
                Column {
                    QrCode(shown.payload, Modifier.size(240.dp))
                    SelectionContainer { Text(shown.payload) }
                }
            },
        )
    }

    val route by session.route.collectAsStateWithLifecycle()
    val modifier = Modifier.fillMaxSize()
    fun now() = System.currentTimeMillis()
    when (val r = route) {
        null -> Unit
        is Route.Welcome -> {
            var draft by remember { mutableStateOf(WelcomeDraft()) }
            WelcomeUi(session.screens.welcome(draft), draft, { draft = it }, onAction, modifier)
        }
        is Route.NewClient -> {
            var draft by remember { mutableStateOf(NewClientDraft()) }
            NewClientUi(session.screens.newClient(draft), draft, { draft = it }, onAction, modifier)
        }
        is Route.Home -> {
            val home by session.home(r.agreementId).collectAsStateWithLifecycle()
            HomeUi(home, onAction, modifier)
        }
        is Route.BeforeCall -> {
            var draft by remember(r) { mutableStateOf(CallDraft()) }
            val revision by session.revision(r.agreementId).collectAsStateWithLifecycle()
            val screen = remember(draft, revision) { session.screens.beforeCall(r.agreementId, draft, now()) }
            BeforeCallUi(screen, draft, { draft = it }, onAction, modifier)
        }
        is Route.DuringCall -> {
            val screen by session.duringCall(r.agreementId, r.callId).collectAsStateWithLifecycle()
            DuringCallUi(screen, onAction, modifier)
        }
        is Route.AfterCall -> {
            var draft by remember(r) { mutableStateOf(AfterCallDraft(emptyList(), null, false)) }
            val revision by session.revision(r.agreementId).collectAsStateWithLifecycle()
            val screen = remember(draft, revision) { session.screens.afterCall(r.agreementId, r.callId, draft) }
            AfterCallUi(screen, draft, { draft = it }, onAction, modifier)
        }
        is Route.Report -> {
            var draft by remember(r) { mutableStateOf(ReportDraft(null, ReportWhen.Now)) }
            val revision by session.revision(r.agreementId).collectAsStateWithLifecycle()
            val screen = remember(draft, revision) { session.screens.report(r.agreementId, draft, now()) }
            ReportUi(screen, draft, { draft = it }, onAction, modifier)
        }
        is Route.Agreement -> {
            val screen by session.agreement(r.agreementId).collectAsStateWithLifecycle()
            AgreementUi(screen, onAction, modifier)
        }
        is Route.Editor -> {
            var editing by remember(r) { mutableStateOf<TermEditDraft?>(null) }
            val revision by session.revision(r.agreementId).collectAsStateWithLifecycle()
            val screen = remember(editing, revision) { session.screens.editor(r.agreementId, editing) }
            EditorUi(screen, editing, { editing = it }, onAction, modifier)
        }
        is Route.Pairing -> {
            var code by remember { mutableStateOf("") }
            val screen = remember(code) { session.screens.pairing(code, now()) }
            PairingUi(screen, code, { code = it }, onAction, modifier)
        }
        is Route.Sync -> {
            val screen by session.sync(r.agreementId).collectAsStateWithLifecycle()
            SyncUi(screen, onAction, modifier)
        }
        is Route.Clients -> {
            val screen by session.clients().collectAsStateWithLifecycle()
            ClientsUi(screen, onAction, modifier)
        }
        is Route.Client -> {
            val screen by session.client(r.agreementId).collectAsStateWithLifecycle()
            ClientUi(screen, onAction, modifier)
        }
        is Route.SessionPrep -> {
            val screen by session.sessionPrep(r.agreementId).collectAsStateWithLifecycle()
            SessionPrepUi(screen, modifier)
        }
        is Route.Invite -> {
            val screen by session.invite(r.agreementId).collectAsStateWithLifecycle()
            InviteUi(screen, onAction, modifier)
        }
    }
}

/** First run: who uses this phone, and their name (kept only in the encrypted store). */
