package org.coachline.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import org.coachline.Action
import org.coachline.AfterCall
import org.coachline.AfterCallDraft
import org.coachline.BeforeCall
import org.coachline.CallDraft
import org.coachline.CallPhase
import org.coachline.CallReason
import org.coachline.DuringCall

/** A reason's value in a `Choice` ("coaching") as the draft holds it. */
internal fun reasonOf(value: String): CallReason? =
    CallReason.entries.firstOrNull { it.name.equals(value, ignoreCase = true) }

internal fun toggled(list: List<String>, item: String): List<String> =
    if (item in list) list - item else list + item

/**
 * Before a call: the worksheet. Every field's problem stands under the field; the
 * submit button stays disabled until the core says the draft can be sent.
 */
@Composable
fun BeforeCallScreen(
    screen: BeforeCall,
    draft: CallDraft,
    onDraftChange: (CallDraft) -> Unit,
    onAction: (Action) -> Unit,
    modifier: Modifier = Modifier,
) {
    ScreenColumn(modifier) {
        Title(screen.title)
        if (screen.willBeDeclined) {
            Note(screen.intro, container = Palette.Paused, ink = Palette.PausedInk)
        } else {
            Body(screen.intro)
        }
        FieldBlock(screen.reason) {
            ChoiceRows(screen.reasons, isError = screen.reason.problem != null) { choice ->
                onDraftChange(draft.copy(reason = reasonOf(choice.value)))
            }
        }
        FieldBlock(screen.situation.copy(hint = null)) {
            OutlinedTextField(
                value = draft.situation,
                onValueChange = { onDraftChange(draft.copy(situation = it)) },
                placeholder = screen.situation.hint?.let { hint -> { Text(hint) } },
                isError = screen.situation.problem != null,
                textStyle = MaterialTheme.typography.bodyLarge,
                minLines = 3,
                modifier = Modifier.fillMaxWidth().heightIn(min = MinTarget),
            )
        }
        FieldBlock(screen.tried.copy(hint = null)) {
            // The suggestions, plus any skill the client typed (added with Add or Done).
            ToggleChips((screen.suggestions + draft.tried).distinct(), draft.tried) { skill ->
                onDraftChange(draft.copy(tried = toggled(draft.tried, skill)))
            }
            OwnSkillField(screen.tried.hint, screen.addSkill) { skill ->
                if (skill !in draft.tried) onDraftChange(draft.copy(tried = draft.tried + skill))
            }
        }
        FieldBlock(screen.urge) {
            ScaleRow(screen.urgeScale, isError = screen.urge.problem != null) { choice ->
                onDraftChange(draft.copy(urge = choice.value.toLongOrNull()))
            }
        }
        ActionButton(screen.submit, onAction, enabled = screen.canSubmit)
    }
}

/**
 * A line to type a skill of one's own; its Add button (or Done) adds it to the list
 * above as a ticked chip. Its placeholder is the field's hint ("Pick from the list or
 * type your own").
 */
@Composable
internal fun OwnSkillField(hint: String?, addLabel: String, onAdd: (String) -> Unit) {
    var text by remember { mutableStateOf("") }
    val add = {
        val skill = text.trim()
        if (skill.isNotEmpty()) onAdd(skill)
        text = ""
    }
    OutlinedTextField(
        value = text,
        onValueChange = { text = it },
        placeholder = hint?.let { h -> { Text(h) } },
        singleLine = true,
        textStyle = MaterialTheme.typography.bodyLarge,
        keyboardOptions = KeyboardOptions(imeAction = ImeAction.Done),
        keyboardActions = KeyboardActions(onDone = { add() }),
        trailingIcon = {
            TextButton(onClick = add, enabled = text.isNotBlank(), modifier = Modifier.heightIn(min = MinTarget)) {
                Text(addLabel, style = MaterialTheme.typography.titleMedium)
            }
        },
        modifier = Modifier.fillMaxWidth().heightIn(min = MinTarget),
    )
}

/** During a call: how long it has lasted against the agreed band, and the way out. */
@Composable
fun DuringCallScreen(screen: DuringCall, onAction: (Action) -> Unit, modifier: Modifier = Modifier) {
    ScreenColumn(modifier) {
        Title(screen.title)
        Surface(color = MaterialTheme.colorScheme.surfaceContainer, contentColor = MaterialTheme.colorScheme.onSurface, shape = RoundedCornerShape(24.dp), modifier = Modifier.fillMaxWidth()) {
            Column(Modifier.padding(20.dp), verticalArrangement = Arrangement.spacedBy(16.dp)) {
                Text(screen.progress, style = MaterialTheme.typography.displaySmall)
                val max = screen.bandMax.toInt().coerceAtLeast(1)
                LinearProgressIndicator(
                    progress = { (screen.elapsedMinutes.toFloat() / max).coerceIn(0f, 1f) },
                    color = if (screen.phase == CallPhase.PAST_BAND) Palette.LaterAccent else MaterialTheme.colorScheme.primary,
                    trackColor = MaterialTheme.colorScheme.surface,
                    modifier = Modifier.fillMaxWidth().heightIn(min = 12.dp),
                )
            }
        }
        // Past the band: a gentle cue, never a block.
        screen.cue?.let { Note(it, container = Palette.Later, ink = Palette.LaterInk) }
        ActionButton(screen.end, onAction)
    }
}

/** After a call: what it brought. */
@Composable
fun AfterCallScreen(
    screen: AfterCall,
    draft: AfterCallDraft,
    onDraftChange: (AfterCallDraft) -> Unit,
    onAction: (Action) -> Unit,
    modifier: Modifier = Modifier,
) {
    ScreenColumn(modifier) {
        Title(screen.title)
        ChoiceRows(screen.outcomes) { choice ->
            onDraftChange(draft.copy(answered = choice.value == "completed"))
        }
        FieldBlock(screen.suggested.copy(hint = null)) {
            ToggleChips((screen.suggestions + draft.suggested).distinct(), draft.suggested) { skill ->
                onDraftChange(draft.copy(suggested = toggled(draft.suggested, skill)))
            }
            OwnSkillField(screen.suggested.hint, screen.addSkill) { skill ->
                if (skill !in draft.suggested) onDraftChange(draft.copy(suggested = draft.suggested + skill))
            }
        }
        FieldBlock(screen.urgeAfter) {
            ScaleRow(screen.urgeScale, isError = screen.urgeAfter.problem != null) { choice ->
                onDraftChange(draft.copy(urgeAfter = choice.value.toLongOrNull()))
            }
        }
        ActionButton(screen.submit, onAction, enabled = screen.canSubmit)
    }
}
