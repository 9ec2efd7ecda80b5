/**
 * What every feature uses and that belongs to none: problem answers, the API token guard, configuration, and small
 * shared helpers (backoff, Retry-After, SHA-256, the entity base, ids and columns for batch inserts). Depends on no
 * feature.
 */
@ApplicationModule(allowedDependencies = {})
package io.qaforge.system;

import org.springframework.modulith.ApplicationModule;
