package org.coachline.ui

import androidx.compose.foundation.BorderStroke
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import org.coachline.Action
import org.coachline.Button as CoachlineButton
import org.coachline.ButtonKind
import org.coachline.Choice
import org.coachline.Field

/** Touch targets: 48 dp at least (Android's minimum), the one thing to do now bigger. */
internal val MinTarget = 56.dp
internal val PrimaryTarget = 76.dp

/** A screen's frame: the background, scrolling, the margins and the gaps. */
@Composable
internal fun ScreenColumn(modifier: Modifier, content: @Composable ColumnScope.() -> Unit) {
    Column(
        modifier
            .fillMaxSize()
            .background(MaterialTheme.colorScheme.background)
            .verticalScroll(rememberScrollState())
            .padding(horizontal = 20.dp, vertical = 24.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
        content = content,
    )
}

@Composable
internal fun Title(text: String) {
    Text(text, style = MaterialTheme.typography.headlineMedium, color = MaterialTheme.colorScheme.onBackground)
}

@Composable
internal fun Body(text: String, color: Color = MaterialTheme.colorScheme.onBackground) {
    Text(text, style = MaterialTheme.typography.bodyLarge, color = color)
}

/** A quiet box around a sentence that matters (what happens next, a cue). */
@Composable
internal fun Note(text: String, container: Color = MaterialTheme.colorScheme.surfaceContainer, ink: Color = MaterialTheme.colorScheme.onSurface) {
    Surface(color = container, contentColor = ink, shape = RoundedCornerShape(16.dp), modifier = Modifier.fillMaxWidth()) {
        Text(text, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(16.dp))
    }
}

/**
 * A record's button. The primary one is filled and tall; the others are outlined.
 * Crisis resources are always filled: they are what to press when calls are paused.
 */
@Composable
internal fun ActionButton(
    button: CoachlineButton,
    onAction: (Action) -> Unit,
    modifier: Modifier = Modifier,
    enabled: Boolean = true,
    resourcesFirst: Boolean = true,
) {
    val resource = button.kind == ButtonKind.CALL_RESOURCE || button.kind == ButtonKind.TEXT_RESOURCE
    // When the client may call their therapist, that is the one filled button; the
    // crisis resources stay visible but tonal, so they do not compete with it.
    if (resource && !button.primary && !resourcesFirst) {
        Button(
            onClick = { onAction(button.action) },
            enabled = enabled,
            shape = RoundedCornerShape(16.dp),
            contentPadding = PaddingValues(horizontal = 20.dp, vertical = 12.dp),
            colors = ButtonDefaults.buttonColors(
                containerColor = MaterialTheme.colorScheme.primaryContainer,
                contentColor = MaterialTheme.colorScheme.onPrimaryContainer,
            ),
            modifier = modifier.fillMaxWidth().heightIn(min = MinTarget),
        ) { Text(button.label, style = MaterialTheme.typography.labelLarge, textAlign = TextAlign.Center) }
        return
    }
    val shape = RoundedCornerShape(if (button.primary) 20.dp else 16.dp)
    val padding = PaddingValues(horizontal = 20.dp, vertical = 12.dp)
    val label: @Composable () -> Unit = {
        Text(
            button.label,
            style = if (button.primary) MaterialTheme.typography.titleLarge else MaterialTheme.typography.labelLarge,
            textAlign = TextAlign.Center,
        )
    }
    if (button.primary || resource) {
        Button(
            onClick = { onAction(button.action) },
            enabled = enabled,
            shape = shape,
            contentPadding = padding,
            colors = if (resource) {
                ButtonDefaults.buttonColors(containerColor = Palette.Resource, contentColor = Color.White)
            } else {
                ButtonDefaults.buttonColors()
            },
            modifier = modifier.fillMaxWidth().heightIn(min = if (button.primary) PrimaryTarget else MinTarget),
        ) { label() }
    } else {
        OutlinedButton(
            onClick = { onAction(button.action) },
            enabled = enabled,
            shape = shape,
            contentPadding = padding,
            border = BorderStroke(1.5.dp, MaterialTheme.colorScheme.outline),
            colors = ButtonDefaults.outlinedButtonColors(contentColor = MaterialTheme.colorScheme.primary),
            modifier = modifier.fillMaxWidth().heightIn(min = MinTarget),
        ) { label() }
    }
}

/** A field's label above its control, its hint, and its problem right under it. */
@Composable
internal fun FieldBlock(field: Field, content: @Composable ColumnScope.() -> Unit) {
    Column(verticalArrangement = Arrangement.spacedBy(8.dp), modifier = Modifier.fillMaxWidth()) {
        Text(field.label, style = MaterialTheme.typography.titleMedium, color = MaterialTheme.colorScheme.onBackground)
        field.hint?.let { Text(it, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant) }
        content()
        Problem(field.problem)
    }
}

/** A field's problem, in the error colour, under the field. */
@Composable
internal fun Problem(problem: String?) {
    if (problem != null) {
        Text(problem, style = MaterialTheme.typography.bodyMedium.copy(fontWeight = FontWeight.SemiBold), color = MaterialTheme.colorScheme.error)
    }
}

/** One choice of several, drawn as a full-width row with a round mark. */
@Composable
internal fun ChoiceRows(choices: List<Choice>, isError: Boolean = false, onSelect: (Choice) -> Unit) {
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        for (choice in choices) {
            val colors = MaterialTheme.colorScheme
            Surface(
                shape = RoundedCornerShape(14.dp),
                color = if (choice.selected) colors.primaryContainer else colors.surface,
                border = BorderStroke(
                    if (choice.selected) 2.dp else 1.dp,
                    when {
                        choice.selected -> colors.primary
                        isError -> colors.error
                        else -> colors.outline
                    },
                ),
                modifier = Modifier
                    .fillMaxWidth()
                    .heightIn(min = MinTarget)
                    .selectable(selected = choice.selected, role = Role.RadioButton, onClick = { onSelect(choice) }),
            ) {
                Row(verticalAlignment = Alignment.CenterVertically, modifier = Modifier.padding(horizontal = 16.dp, vertical = 14.dp)) {
                    Mark(selected = choice.selected, round = true)
                    Text(choice.label, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(start = 14.dp))
                }
            }
        }
    }
}

/** Several words to tick (skills), drawn as chips that wrap; a ticked one is filled and framed thicker. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
internal fun ToggleChips(options: List<String>, selected: List<String>, onToggle: (String) -> Unit) {
    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        for (option in options) {
            val on = option in selected
            val colors = MaterialTheme.colorScheme
            Surface(
                shape = RoundedCornerShape(24.dp),
                color = if (on) colors.primaryContainer else colors.surface,
                border = BorderStroke(if (on) 3.dp else 1.dp, if (on) colors.primary else colors.outline),
                modifier = Modifier
                    .heightIn(min = 48.dp)
                    .toggleable(value = on, role = Role.Checkbox, onValueChange = { onToggle(option) }),
            ) {
                Box(contentAlignment = Alignment.Center, modifier = Modifier.padding(horizontal = 16.dp, vertical = 12.dp)) {
                    Text(option, style = MaterialTheme.typography.bodyMedium)
                }
            }
        }
    }
}

/**
 * The urge scale, 0 to 5: six equal cells showing the number; the words the core
 * gives the ends ("none", "strongest") stand under the first and last cell.
 */
@Composable
internal fun ScaleRow(choices: List<Choice>, isError: Boolean, onSelect: (Choice) -> Unit) {
    val colors = MaterialTheme.colorScheme
    Column(verticalArrangement = Arrangement.spacedBy(6.dp)) {
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp), modifier = Modifier.fillMaxWidth()) {
            for (choice in choices) {
                Surface(
                    shape = RoundedCornerShape(12.dp),
                    color = if (choice.selected) colors.primary else colors.surface,
                    contentColor = if (choice.selected) colors.onPrimary else colors.onSurface,
                    border = BorderStroke(1.dp, if (isError) colors.error else colors.outline),
                    modifier = Modifier
                        .weight(1f)
                        .heightIn(min = MinTarget)
                        .selectable(selected = choice.selected, role = Role.RadioButton, onClick = { onSelect(choice) }),
                ) {
                    Box(contentAlignment = Alignment.Center, modifier = Modifier.padding(vertical = 14.dp)) {
                        Text(choice.value, style = MaterialTheme.typography.titleLarge)
                    }
                }
            }
        }
        val first = choices.firstOrNull()
        val last = choices.lastOrNull()
        Row(modifier = Modifier.fillMaxWidth()) {
            if (first != null && first.label != first.value) {
                Text(first.label, style = MaterialTheme.typography.bodyMedium, color = colors.onSurfaceVariant)
            }
            Box(Modifier.weight(1f))
            if (last != null && last !== first && last.label != last.value) {
                Text(last.label, style = MaterialTheme.typography.bodyMedium, color = colors.onSurfaceVariant, textAlign = TextAlign.End)
            }
        }
    }
}

/** A radio (round) or check (square) mark, drawn without an icon font. */
@Composable
internal fun Mark(selected: Boolean, round: Boolean) {
    val colors = MaterialTheme.colorScheme
    val shape = RoundedCornerShape(if (round) 50 else 4)
    Box(
        contentAlignment = Alignment.Center,
        modifier = Modifier
            .width(22.dp)
            .heightIn(min = 22.dp, max = 22.dp)
            .background(if (selected) colors.primary else colors.surface, shape)
            .let { if (selected) it else it.background(Color.Transparent, shape) },
    ) {
        if (!selected) {
            Surface(shape = shape, color = colors.surface, border = BorderStroke(2.dp, colors.outline), modifier = Modifier.fillMaxSize()) {}
        } else {
            Box(Modifier.width(8.dp).heightIn(min = 8.dp, max = 8.dp).background(colors.onPrimary, shape))
        }
    }
}
