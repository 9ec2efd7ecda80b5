# syntax=docker/dockerfile:1
# Production image: Spring Boot 4.1 / Spring AI 2.0, built with Maven on JDK 25, run as a non-root user from Spring Boot's layers
# (dependencies change rarely, so a code change only ships the small application layer).
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src src
RUN ./mvnw -B -q -DskipTests package \
 && java -Djarmode=tools -jar target/qaforge.jar extract --layers --launcher --destination /layers

FROM eclipse-temurin:25-jre
# Tesseract reads scanned PDF pages (English; add tesseract-ocr-<lang> packages for more languages).
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tesseract-ocr \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system qaforge && useradd --system --gid qaforge --uid 10001 --home /app qaforge
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER qaforge
EXPOSE 8080
# A fixed heap (QAFORGE_HEAP, default 2g): the document limits keep one upload within it; Tesseract and the parser JVMs
# of Word, OpenDocument, EPUB and HTML files run outside it. Out of memory all the same, the JVM exits and is restarted.
ENV QAFORGE_HEAP=2g
ENTRYPOINT ["sh", "-c", "exec java -Xmx\"$QAFORGE_HEAP\" -XX:+ExitOnOutOfMemoryError org.springframework.boot.loader.launch.JarLauncher \"$@\"", "qaforge"]
