package org.coachline.session

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.util.concurrent.atomic.AtomicLong
import kotlin.io.path.isRegularFile
import kotlin.io.path.listDirectoryEntries
import kotlin.io.path.name

/**
 * A [SyncTransport] over two folders: messages sent are written to [outbox], messages
 * received are read (and deleted) from [inbox]. Two phones share them the other way
 * round: one's outbox is the other's inbox (a shared folder, a USB stick, the share
 * sheet and "open with"). A file is named `<agreement>-<ms>-<seq>.sync`, so a
 * folder may carry several agreements and files sort in the order they were sent;
 * it appears whole (written aside, then moved into place).
 */
class FileSyncTransport(
    private val outbox: Path,
    private val inbox: Path,
    private val clock: Clock = Clock.SYSTEM,
) : SyncTransport {
    private val sequence = AtomicLong()

    init {
        Files.createDirectories(outbox)
        Files.createDirectories(inbox)
    }

    override fun send(agreementId: String, message: ByteArray) {
        val name = "%s-%013d-%06d.sync".format(agreementId, clock.nowMs(), sequence.incrementAndGet())
        val part = outbox.resolve(".$name.part")
        Files.write(part, message)
        Files.move(part, outbox.resolve(name), StandardCopyOption.ATOMIC_MOVE)
    }

    override fun receive(agreementId: String): List<ByteArray> =
        inbox.listDirectoryEntries("$agreementId-*.sync")
            .filter { it.isRegularFile() }
            .sortedBy { it.name }
            .map { file -> Files.readAllBytes(file).also { Files.delete(file) } }
}
