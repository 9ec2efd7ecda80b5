package io.qaforge.generation.job;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import io.qaforge.generation.provider.GenerationProperties;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.PolledFeed;
import io.qaforge.system.ProblemType;

/**
 * Job progress as Server-Sent Events, whichever replica works on the job: a {@code job} event carries the job as
 * {@code GET /api/jobs/{id}} shows it, sent when it moved on; the stream ends after the event that shows it ended.
 */
@Component
public class JobEvents extends PolledFeed<JobViews.View> {

    private final JobViews views;
    private final int maxOpen;

    JobEvents(JobViews views, GenerationProperties properties) {
        super("job", new Settings(properties.events().maxOpen(), properties.events().keepAlive()));
        this.views = views;
        this.maxOpen = properties.events().maxOpen();
    }

    @Override
    protected UUID id(JobViews.View view) {
        return view.id();
    }

    @Override
    protected List<JobViews.View> read(Collection<UUID> ids) {
        return views.views(ids);
    }

    @Override
    protected boolean progressed(JobViews.View sent, JobViews.View next) {
        return sent.progressedTo(next);
    }

    @Override
    protected boolean ended(JobViews.View view) {
        return view.status().terminal();
    }

    @Override
    protected ApiProblem tooMany(JobViews.View current) {
        return new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, ProblemType.TOO_MANY_EVENT_STREAMS, "Too many event streams",
                maxOpen + " job event streams are open, the most this service keeps "
                        + "(qaforge.generation.events.max-open); close one, poll GET /api/jobs/" + current.id() + ", or try again later");
    }
}
