package org.coachline.tests

import java.io.File
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals

/** The compiled Kotlin bindings expose every item of tests/api.txt (shared with Swift and Python). */
class ApiSurfaceTest {
    private fun camel(snake: String) = snake.replace(Regex("_([a-z0-9])")) { it.groupValues[1].uppercase() }

    private fun exists(className: String): Boolean = runCatching { Class.forName(className) }.isSuccess

    /** A method of that name; Kotlin mangles the JVM name of one taking an unsigned type (`name-abc123`). */
    private fun hasMethod(className: String, name: String): Boolean =
        runCatching { Class.forName(className).methods.any { it.name == name || it.name.startsWith("$name-") } }
            .getOrDefault(false)

    @Test
    fun `every item of the shared API list is exposed`() {
        val items = File("tests/api.txt").readLines()
            .map { it.trim() }
            .filter { it.isNotEmpty() && !it.startsWith("#") }
            .map { it.split(Regex("\\s+"), limit = 2).let { (kind, name) -> kind to name } }
        val missing = items.filterNot { (kind, name) ->
            when (kind) {
                "object", "record", "enum", "callback" -> exists("org.coachline.$name")
                "constructor" -> hasMethod("org.coachline.CoachlineStore\$Companion", camel(name))
                // `close()` is AutoCloseable's in Kotlin: the store's own close is closeStore().
                "method" -> hasMethod("org.coachline.CoachlineStore", if (name == "close") "closeStore" else camel(name))
                "member" -> name.split(".").let { (cls, method) -> hasMethod("org.coachline.$cls", camel(method)) }
                "function" -> hasMethod("org.coachline.CoachlineKt", camel(name))
                "error" -> exists("org.coachline.${name.removeSuffix("Error")}Exception")
                "variant" -> exists("org.coachline.CoachlineException\$$name")
                else -> false
            }
        }
        assertEquals(emptyList(), missing, "items of tests/api.txt missing from the Kotlin bindings")
        assertEquals(true, items.size > 80)
    }
}
