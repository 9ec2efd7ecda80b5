package io.qaforge.system;

import java.io.IOException;
import java.io.Writer;

import tools.jackson.core.io.JsonStringEncoder;
import org.apache.catalina.Host;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * Requests Tomcat refuses before any application code runs (a {@code %00} or {@code %2F} in the path, a request line
 * or header over the size limit) get problem+json like every other error, instead of Tomcat's HTML page.
 */
@Component
class TomcatProblems implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addContextCustomizers(context -> {
            Host host = (Host) context.getParent();
            if (host instanceof StandardHost standard) {
                standard.setErrorReportValveClass(ProblemReportValve.class.getName());
            }
        });
    }

    /** Tomcat instantiates it by class name, so it must be public with a public no-argument constructor. */
    public static class ProblemReportValve extends ErrorReportValve {

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            HttpStatus known = HttpStatus.resolve(status);
            String reason = response.getMessage();
            String detail = (reason == null || reason.isBlank() ? "The server could not read the request" : reason)
                    + (status == 400 ? ": check the path for encoded '/', NUL or other control characters, and keep the "
                    + "request line and headers within the server's size limit" : "");
            String body = "{\"type\":\"" + ProblemType.ofHttpStatus(status) + "\",\"title\":\"" + quote(known == null ? "Error" : known.getReasonPhrase())
                    + "\",\"status\":" + status + ",\"detail\":\"" + quote(detail) + "\"}";
            try {
                response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
                response.setCharacterEncoding("UTF-8");
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(body);
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException ignored) {
                // The client is gone or the response was committed meanwhile: nothing more can be said.
            }
        }

        private static String quote(String text) {
            return new String(JsonStringEncoder.getInstance().quoteAsCharArray(text));
        }
    }
}
