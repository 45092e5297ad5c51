package org.coachline.ui

import androidx.compose.foundation.BorderStroke
import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.IntrinsicSize
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxHeight
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.font.FontStyle
import androidx.compose.ui.unit.dp
import org.coachline.Action
import org.coachline.AgreementScreen
import org.coachline.Attention
import org.coachline.Client
import org.coachline.ClientRow
import org.coachline.Clients
import org.coachline.Invite
import org.coachline.Pairing
import org.coachline.ReportDraft
import org.coachline.ReportScreen
import org.coachline.ReportWhen
import org.coachline.SyncScreen

/** Reporting a behaviour: which, when, and what happens next, before the button. */
@Composable
fun ReportScreen(
    screen: ReportScreen,
    draft: ReportDraft,
    onDraftChange: (ReportDraft) -> Unit,
    onAction: (Action) -> Unit,
    modifier: Modifier = Modifier,
) {
    ScreenColumn(modifier) {
        Title(screen.title)
        Body(screen.intro)
        Text(screen.behaviorLabel, style = MaterialTheme.typography.titleMedium)
        ChoiceRows(screen.behaviors) { choice ->
            onDraftChange(draft.copy(behaviorId = choice.value.ifEmpty { null }))
        }
        Column(Modifier.padding(top = 12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(screen.whenLabel, style = MaterialTheme.typography.titleMedium)
            ChoiceRows(screen.`when`, isError = screen.whenProblem != null) { choice ->
                val minutes = choice.value.toUIntOrNull() ?: 0u
                onDraftChange(draft.copy(`when` = if (minutes == 0u) ReportWhen.Now else ReportWhen.MinutesAgo(minutes)))
            }
            Problem(screen.whenProblem)
        }
        Note(screen.next, container = Palette.Paused, ink = Palette.PausedInk)
        screen.agreementRule?.let { rule ->
            Text(rule, style = MaterialTheme.typography.bodyLarge.copy(fontStyle = FontStyle.Italic), color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
        ActionButton(screen.submit, onAction, enabled = screen.canSubmit)
    }
}

/** The agreement in the seed form's order, who signed, what changed, and Sign. */
@Composable
fun AgreementScreen(screen: AgreementScreen, onAction: (Action) -> Unit, modifier: Modifier = Modifier) {
    ScreenColumn(modifier) {
        Title(screen.title)
        Note(screen.statusText, container = MaterialTheme.colorScheme.primaryContainer)
        screen.sign?.let { ActionButton(it, onAction) }
        if (screen.changes.isNotEmpty()) {
            Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Text(screen.changedLabel, style = MaterialTheme.typography.titleMedium)
                for (change in screen.changes) Body(change)
            }
        }
        for (section in screen.sections) {
            // A changed section has a stripe down its left side; proposed words are
            // in a tinted box under the words in force.
            Row(Modifier.fillMaxWidth().height(IntrinsicSize.Min)) {
                Box(
                    Modifier.width(4.dp).fillMaxHeight()
                        .background(if (section.changed) Palette.Attention else Color.Transparent, RoundedCornerShape(2.dp)),
                )
                Column(Modifier.padding(start = 12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
                    Text(section.title, style = MaterialTheme.typography.titleMedium)
                    for (item in section.items) Body(item)
                    section.proposed?.let { proposed ->
                        Surface(color = Palette.AttentionSoft, shape = RoundedCornerShape(12.dp), modifier = Modifier.fillMaxWidth()) {
                            Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                                Text(screen.proposedLabel, style = MaterialTheme.typography.labelLarge)
                                for (item in proposed) Body(item)
                            }
                        }
                    }
                }
            }
        }
        for (signature in screen.signatures) {
            Body(signature.text, color = if (signature.current) MaterialTheme.colorScheme.onBackground else MaterialTheme.colorScheme.onSurfaceVariant)
        }
    }
}

/** The therapist's clients, most pressing first; a whole row opens the client. */
@Composable
fun ClientsScreen(screen: Clients, onAction: (Action) -> Unit, modifier: Modifier = Modifier) {
    ScreenColumn(modifier) {
        Title(screen.title)
        Column(verticalArrangement = Arrangement.spacedBy(10.dp)) {
            for (row in screen.rows) ClientRowCard(row, onAction)
        }
        ActionButton(screen.invite, onAction)
    }
}

/** The stripe colour of a row: the most pressing reason it is listed for. */
private fun stripeOf(row: ClientRow): Color = when (row.attention.firstOrNull()) {
    Attention.OVERDUE_CALLBACK -> Palette.Attention
    Attention.DECLINED_ATTEMPTS, Attention.LOCKED_OUT -> Palette.PausedAccent
    Attention.UNSIGNED, Attention.NOT_HEARD_FROM -> Palette.Outline
    null -> Color.Transparent
}

@Composable
private fun ClientRowCard(row: ClientRow, onAction: (Action) -> Unit) {
    val overdue = Attention.OVERDUE_CALLBACK in row.attention
    Surface(
        shape = RoundedCornerShape(16.dp),
        color = if (overdue) Palette.AttentionSoft else MaterialTheme.colorScheme.surface,
        border = BorderStroke(1.dp, MaterialTheme.colorScheme.outlineVariant),
        modifier = Modifier
            .fillMaxWidth()
            .heightIn(min = 72.dp)
            .clickable(role = Role.Button, onClickLabel = row.open.label) { onAction(row.open.action) },
    ) {
        Row(Modifier.height(IntrinsicSize.Min)) {
            Box(Modifier.width(8.dp).fillMaxHeight().background(stripeOf(row)))
            Column(Modifier.padding(horizontal = 16.dp, vertical = 14.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Text(row.clientName, style = MaterialTheme.typography.titleLarge)
                Text(row.reason, style = MaterialTheme.typography.bodyLarge, color = if (overdue) Palette.LaterInk else MaterialTheme.colorScheme.onSurfaceVariant)
            }
        }
    }
}

/** One client's log, newest first, with its flags and a Return call where due. */
@Composable
fun ClientScreen(screen: Client, onAction: (Action) -> Unit, modifier: Modifier = Modifier) {
    ScreenColumn(modifier) {
        Title(screen.title)
        Column(verticalArrangement = Arrangement.spacedBy(12.dp)) {
            for (button in screen.actions) ActionButton(button, onAction)
        }
        for (line in screen.log) {
            Surface(
                shape = RoundedCornerShape(16.dp),
                color = MaterialTheme.colorScheme.surface,
                border = BorderStroke(1.dp, MaterialTheme.colorScheme.outlineVariant),
                modifier = Modifier.fillMaxWidth(),
            ) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
                    Text(line.`when`, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
                    Text(line.title, style = MaterialTheme.typography.titleMedium)
                    for (detail in line.details) Body(detail)
                    if (line.flags.isNotEmpty()) {
                        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                            for (flag in line.flags) {
                                Surface(shape = RoundedCornerShape(8.dp), color = Palette.AttentionSoft, contentColor = Palette.LaterInk) {
                                    Text(flag.label, style = MaterialTheme.typography.bodyMedium, modifier = Modifier.padding(horizontal = 10.dp, vertical = 4.dp))
                                }
                            }
                        }
                    }
                    line.returnCall?.let { ActionButton(it, onAction) }
                }
            }
        }
    }
}

/** The therapist's invitation. The QR code is drawn by the app; here, its text and expiry. */
@Composable
fun InviteScreen(screen: Invite, onAction: (Action) -> Unit, modifier: Modifier = Modifier) {
    ScreenColumn(modifier) {
        Title(screen.title)
        Body(screen.intro)
        screen.payload?.let { payload ->
            Surface(color = MaterialTheme.colorScheme.surfaceContainer, shape = RoundedCornerShape(16.dp), modifier = Modifier.fillMaxWidth()) {
                SelectionContainer {
                    Text(payload, style = MonoStyle, color = MaterialTheme.colorScheme.onSurface, modifier = Modifier.padding(16.dp))
                }
            }
        }
        screen.expiry?.let { Body(it, color = MaterialTheme.colorScheme.onSurfaceVariant) }
        ActionButton(screen.make, onAction)
    }
}

/** Pairing: the invitation code typed or scanned, checked as it is typed. */
@Composable
fun PairingScreen(
    screen: Pairing,
    code: String,
    onCodeChange: (String) -> Unit,
    onAction: (Action) -> Unit,
    modifier: Modifier = Modifier,
) {
    ScreenColumn(modifier) {
        Title(screen.title)
        Body(screen.intro)
        FieldBlock(screen.code.copy(hint = null)) {
            OutlinedTextField(
                value = code,
                onValueChange = onCodeChange,
                placeholder = screen.code.hint?.let { hint -> { Text(hint) } },
                isError = screen.code.problem != null,
                textStyle = MonoStyle,
                modifier = Modifier.fillMaxWidth().heightIn(min = MinTarget),
            )
        }
        ActionButton(screen.join, onAction, enabled = screen.canSubmit)
    }
}

/** Where the sync with the other phone stands. */
@Composable
fun SyncScreen(screen: SyncScreen, onAction: (Action) -> Unit, modifier: Modifier = Modifier) {
    ScreenColumn(modifier) {
        Title(screen.title)
        Note(screen.status, container = if (screen.paired) MaterialTheme.colorScheme.primaryContainer else Palette.Later, ink = if (screen.paired) MaterialTheme.colorScheme.onPrimaryContainer else Palette.LaterInk)
        Body(screen.waiting)
        ActionButton(screen.sync, onAction)
    }
}
