package io.qaforge.generation.queue;

import io.qaforge.generation.job.JobSpec;
import io.qaforge.generation.quality.PairParser;

/**
 * What a claimed task asks its provider and what becomes of the answer, per task kind. The steps say it; the queue
 * only runs it, so the queue does not depend on the steps.
 */
public interface Work {

    /** The call a task makes, built from what the database holds when it runs. */
    Step prepare(JobSpec spec, TaskQueue.Claimed task, boolean json);

    /**
     * One task's call, ready to send.
     *
     * @param prompt null when there is nothing to ask (a judge whose pairs were all settled otherwise)
     * @param schema the JSON schema of the answer, for providers that take one
     */
    record Step(String model, double temperature, String prompt, String schema, Reader reader) {

        /** What to store, inside the transaction that marks the task done. */
        public Runnable read(String content) throws PairParser.Unparseable {
            return reader.read(content);
        }
    }

    /** Parses an answer outside any transaction and hands back what the completing transaction stores. */
    interface Reader {
        Runnable read(String content) throws PairParser.Unparseable;
    }
}
