package io.qaforge.export;

import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.JoinColumn;

import io.qaforge.system.AssignedIdEntity;

/** A named union of jobs, exported (and pushed) as one dataset. */
@Entity
public class Dataset extends AssignedIdEntity {

    private String name;
    @ElementCollection(fetch = FetchType.EAGER)
    @CollectionTable(name = "dataset_job", joinColumns = @JoinColumn(name = "dataset_id"))
    @Column(name = "job_id")
    private Set<UUID> jobIds = new TreeSet<>();
    private Instant createdAt;

    protected Dataset() {
    }

    public Dataset(String name, Set<UUID> jobIds) {
        super(UUID.randomUUID());
        this.name = name;
        this.jobIds = new TreeSet<>(jobIds);
        this.createdAt = Instant.now();
    }

    public String getName() {
        return name;
    }

    public Set<UUID> getJobIds() {
        return new TreeSet<>(jobIds);
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
