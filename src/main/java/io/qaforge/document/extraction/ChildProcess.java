package io.qaforge.document.extraction;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sees a child process (Tesseract, a parser JVM) through to its end within a wall-clock limit. The limit is kept by a
 * timer that kills the process, since a read of its output blocks and cannot be interrupted; the process is killed in
 * any case once its caller is done with it.
 */
final class ChildProcess {

    /** What the process is given on its standard input; the stream is closed afterwards. */
    @FunctionalInterface
    interface Input {
        Input NONE = in -> { };

        void writeTo(OutputStream in) throws IOException;
    }

    /** @param output all the process wrote to its standard output */
    record Exit(int status, byte[] output) {
    }

    private ChildProcess() {
    }

    /** @throws TimeoutException when the process ran past {@code limit} (it is killed) */
    static Exit finish(Process process, Duration limit, Input input) throws IOException, InterruptedException, TimeoutException {
        var killed = new AtomicBoolean();
        var timer = CompletableFuture.runAsync(() -> {
            killed.set(true);
            process.destroyForcibly();
        }, CompletableFuture.delayedExecutor(limit.toMillis(), TimeUnit.MILLISECONDS));
        try {
            try (OutputStream in = process.getOutputStream()) {
                input.writeTo(in);
            }
            byte[] output = process.getInputStream().readAllBytes();
            int status = process.waitFor();
            if (killed.get()) {
                throw new TimeoutException("no answer within " + limit.toSeconds() + " s");
            }
            return new Exit(status, output);
        } catch (IOException e) {
            if (killed.get()) {
                throw new TimeoutException("no answer within " + limit.toSeconds() + " s");
            }
            throw e;
        } finally {
            timer.cancel(false);
            process.destroyForcibly();
        }
    }
}
