// CoachlineSession: plain Kotlin, no android.* (scripts/test-android-session compiles
// it with kotlinc and no Android jar, and runs its tests on the JVM against the real
// library). It is an Android library module only because it depends on :coachline,
// an AAR (JNA's native parts), which a Kotlin/JVM module cannot consume.
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

android {
    namespace = "org.coachline.session"
    compileSdk = 35
    defaultConfig { minSdk = 26 }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    // src/test (JUnit 5, the host library) and src/bench run through the scripts at the
    // repository root, not Gradle: the JNA AAR has no host libjnidispatch.
    sourceSets["test"].java.setSrcDirs(emptyList<String>())
    sourceSets["test"].kotlin.setSrcDirs(emptyList<String>())
}

kotlin { jvmToolchain(17) }

dependencies {
    api(project(":coachline"))
    api(libs.kotlinx.coroutines.core)
}
