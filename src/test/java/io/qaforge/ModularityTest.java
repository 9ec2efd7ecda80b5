package io.qaforge;

import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModules;

/** Fails the build on a cycle between feature packages or on one reaching into another's internals. */
class ModularityTest {

    @Test
    void featurePackagesRespectTheirBoundaries() {
        ApplicationModules.of(QaforgeApplication.class).verify();
    }
}
