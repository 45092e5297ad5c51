package org.coachline.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import org.coachline.Action
import org.coachline.Editor
import org.coachline.Field
import org.coachline.NewClient
import org.coachline.NewClientDraft
import org.coachline.Role
import org.coachline.TermEditDraft
import org.coachline.Welcome
import org.coachline.WelcomeDraft

/** A new phone: whose it is, and their name. */
@Composable
fun WelcomeScreen(
    screen: Welcome,
    draft: WelcomeDraft,
    onDraftChange: (WelcomeDraft) -> Unit,
    onAction: (Action) -> Unit,
    modifier: Modifier = Modifier,
) {
    ScreenColumn(modifier) {
        Title(screen.title)
        Body(screen.intro)
        FieldBlock(screen.role) {
            ChoiceRows(screen.roles) { choice ->
                onDraftChange(draft.copy(role = if (choice.value == "therapist") Role.THERAPIST else Role.CLIENT))
            }
        }
        FieldBlock(screen.name) {
            OutlinedTextField(
                value = draft.name,
                onValueChange = { onDraftChange(draft.copy(name = it)) },
                singleLine = true,
                isError = screen.name.problem != null,
                textStyle = MaterialTheme.typography.bodyLarge,
                modifier = Modifier.fillMaxWidth().heightIn(min = MinTarget),
            )
        }
        ActionButton(screen.submit, onAction, enabled = screen.canSubmit)
    }
}

/** A therapist drafts an agreement for a new client. */
@Composable
fun NewClientScreen(
    screen: NewClient,
    draft: NewClientDraft,
    onDraftChange: (NewClientDraft) -> Unit,
    onAction: (Action) -> Unit,
    modifier: Modifier = Modifier,
) {
    ScreenColumn(modifier) {
        Title(screen.title)
        Body(screen.intro)
        FieldBlock(screen.name) {
            OutlinedTextField(
                value = draft.clientName,
                onValueChange = { onDraftChange(draft.copy(clientName = it)) },
                singleLine = true,
                isError = screen.name.problem != null,
                textStyle = MaterialTheme.typography.bodyLarge,
                modifier = Modifier.fillMaxWidth().heightIn(min = MinTarget),
            )
        }
        ActionButton(screen.submit, onAction, enabled = screen.canSubmit)
    }
}

/**
 * The agreement editor: every term, the text in force above its field, and a
 * Propose button per term. [editing] is the term being typed in (the core validates
 * it: the screen is computed again with it as the person types).
 */
@Composable
fun EditorScreen(
    screen: Editor,
    editing: TermEditDraft?,
    onEditingChange: (TermEditDraft?) -> Unit,
    onAction: (Action) -> Unit,
    modifier: Modifier = Modifier,
) {
    ScreenColumn(modifier) {
        Title(screen.title)
        Body(screen.intro)
        for (term in screen.terms) {
            FieldBlock(Field(term.label, null, term.problem)) {
                if (term.proposed) {
                    Text(term.inForce, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
                }
                OutlinedTextField(
                    value = editing?.takeIf { it.term == term.key }?.value ?: term.value,
                    onValueChange = { onEditingChange(TermEditDraft(term.key, it)) },
                    isError = term.problem != null,
                    textStyle = MaterialTheme.typography.bodyLarge,
                    modifier = Modifier.fillMaxWidth().heightIn(min = MinTarget),
                )
                Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    ActionButton(term.save, onAction, enabled = term.problem == null && term.proposed)
                }
            }
        }
    }
}
