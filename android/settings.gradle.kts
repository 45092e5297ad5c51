pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "coachline-android"

// :coachline  the generated Kotlin bindings + JNA + the native libraries (jniLibs)
// :session    CoachlineSession, plain Kotlin (no android.*), tested on the JVM by
//             scripts/test-android-session
// :ui         the Compose screens (org.coachline.ui)
// :app        the Android glue: activity, Keystore, intents, WorkManager
include(":coachline", ":session", ":ui", ":app")
