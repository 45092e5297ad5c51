// :ui — the Compose screens of the Android app (package org.coachline.ui).
//
// An Android library. Its sources (src/main/kotlin) use only what Compose
// Multiplatform shares with Android (androidx.compose.runtime, .foundation,
// .material3 and the .ui basics: Modifier, dp, Color), no Context and no
// resources: every word on screen comes from the view records of :coachline.
// That is what lets scripts/test-android-ui compile the same files against Compose
// Multiplatform for desktop with kotlinc and render them headless to PNGs, on a
// machine without the Android SDK (src/desktopTest: the harness and the reference
// screenshots; Gradle does not compile that folder).
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "org.coachline.ui"
    compileSdk = 35
    defaultConfig {
        minSdk = 26
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    buildFeatures {
        compose = true
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    api(project(":coachline"))
    implementation(platform(libs.androidx.compose.bom))
    api(libs.androidx.compose.ui)
    api(libs.androidx.compose.foundation)
    api(libs.androidx.compose.material3)
}
