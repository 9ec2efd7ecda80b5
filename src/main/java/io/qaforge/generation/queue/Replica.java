package io.qaforge.generation.queue;

import java.net.InetAddress;

import org.springframework.stereotype.Component;

/** This replica as lease holders name it: the machine's name, so a lease's holder can be told apart in the tables and logs. */
@Component
public class Replica {

    private final String name = hostName();

    String name() {
        return name;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "worker";
        }
    }
}
