// The generated Kotlin bindings (org.coachline) with JNA and the native library.
//
// Sources: bindings-out/kotlin, made by `scripts/gen-bindings kotlin` at the repository
// root, copied into build/ by copyBindings before every compile (never committed).
// Native libraries: src/main/jniLibs/<abi>/libcoachline_ffi.so, made by
// `scripts/build-android-libs` (git-ignored).
import org.gradle.api.DefaultTask
import org.gradle.api.file.DirectoryProperty
import org.gradle.api.tasks.InputDirectory
import org.gradle.api.tasks.OutputDirectory
import org.gradle.api.tasks.PathSensitive
import org.gradle.api.tasks.PathSensitivity
import org.gradle.api.tasks.TaskAction

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

abstract class CopyBindings : DefaultTask() {
    @get:InputDirectory
    @get:PathSensitive(PathSensitivity.RELATIVE)
    abstract val generated: DirectoryProperty

    @get:OutputDirectory
    abstract val outputDir: DirectoryProperty

    @TaskAction
    fun copy() {
        val source = generated.get().asFile.resolve("org/coachline/coachline.kt")
        check(source.isFile) { "no $source: run scripts/gen-bindings kotlin at the repository root first" }
        val target = outputDir.get().asFile
        target.deleteRecursively()
        source.copyTo(target.resolve("org/coachline/coachline.kt"))
    }
}

val copyBindings = tasks.register<CopyBindings>("copyBindings") {
    generated.set(rootProject.layout.projectDirectory.dir("../bindings-out/kotlin"))
    outputDir.set(layout.buildDirectory.dir("generated/coachline/kotlin"))
}

android {
    namespace = "org.coachline"
    compileSdk = 35
    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64") }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin { jvmToolchain(17) }

androidComponents {
    onVariants { variant ->
        variant.sources.kotlin?.addGeneratedSourceDirectory(copyBindings, CopyBindings::outputDir)
    }
}

dependencies {
    // The AAR, not the jar: it carries libjnidispatch.so for every ABI.
    api(libs.jna) { artifact { type = "aar" } }
}
