package io.qaforge.document;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Deterministic ways to break a document file, for the fuzzing: the same seed gives the same bytes. Byte mutations
 * apply to every format, archive mutations to the ZIP-based ones (DOCX, ODT, EPUB), text mutations to the text ones.
 * Every result stays small (kilobytes to a few megabytes expanded), far from the expansion limits.
 */
final class Mutations {

    /** A named mutation: the sample's bytes and a seeded random in, the broken file out. */
    record Mutation(String name, BiFunction<byte[], Random, byte[]> mutate) {
    }

    static final List<Mutation> BYTES = List.of(
            new Mutation("bit-flips", (bytes, random) -> {
                byte[] out = bytes.clone();
                for (int i = 1 + random.nextInt(32); i > 0; i--) {
                    out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
                }
                return out;
            }),
            new Mutation("truncation", (bytes, random) -> Arrays.copyOf(bytes, random.nextInt(bytes.length))),
            new Mutation("slice-repeated", (bytes, random) -> {
                int from = random.nextInt(bytes.length);
                int to = Math.min(bytes.length, from + 1 + random.nextInt(512));
                var out = new ByteArrayOutputStream();
                out.write(bytes, 0, to);
                for (int i = 1 + random.nextInt(50); i > 0; i--) {
                    out.write(bytes, from, to - from);
                }
                out.write(bytes, to, bytes.length - to);
                return out.toByteArray();
            }),
            new Mutation("slice-deleted", (bytes, random) -> {
                int from = random.nextInt(bytes.length);
                int to = Math.min(bytes.length, from + 1 + random.nextInt(2048));
                var out = new ByteArrayOutputStream();
                out.write(bytes, 0, from);
                out.write(bytes, to, bytes.length - to);
                return out.toByteArray();
            }),
            new Mutation("random-bytes", (bytes, random) -> {
                byte[] out = bytes.clone();
                int from = random.nextInt(out.length);
                byte[] noise = new byte[Math.min(out.length - from, 1 + random.nextInt(64))];
                random.nextBytes(noise);
                System.arraycopy(noise, 0, out, from, noise.length);
                return out;
            }));

    static final List<Mutation> ARCHIVE = List.of(
            new Mutation("entry-duplicated", (bytes, random) -> {
                var entries = entries(bytes);
                String name = pick(entries, random);
                // ZipOutputStream refuses a second entry of the same name: write it under a same-length stand-in, then
                // give it the real name in the local and central headers.
                String standIn = name.substring(0, name.length() - 1) + (name.endsWith("~") ? "!" : "~");
                entries.put(standIn, random.nextBoolean() ? entries.get(name) : "<broken/>".getBytes(StandardCharsets.UTF_8));
                return replace(zip(entries), standIn.getBytes(StandardCharsets.UTF_8), name.getBytes(StandardCharsets.UTF_8));
            }),
            new Mutation("huge-declared-size", (bytes, random) -> {
                // The uncompressed size an entry claims, in its local header (offset 22) or the central directory (24).
                byte[] out = bytes.clone();
                boolean central = random.nextBoolean();
                List<Integer> headers = offsets(out, central ? new byte[] {'P', 'K', 1, 2} : new byte[] {'P', 'K', 3, 4});
                int size = headers.get(random.nextInt(headers.size())) + (central ? 24 : 22);
                int claimed = random.nextBoolean() ? 0x7FFFFFF0 : 0xFFFFFFFF;
                for (int i = 0; i < 4 && size + i < out.length; i++) {
                    out[size + i] = (byte) (claimed >>> (8 * i));
                }
                return out;
            }),
            new Mutation("nested-zip", (bytes, random) -> {
                var entries = entries(bytes);
                byte[] nested = bytes;
                for (int depth = 1 + random.nextInt(4); depth > 0; depth--) {
                    nested = zip(Map.of("inner.zip", nested));
                }
                entries.put(random.nextBoolean() ? pick(entries, random) : "nested.zip", nested);
                return zip(entries);
            }),
            new Mutation("bad-xml", (bytes, random) -> {
                var entries = entries(bytes);
                List<String> xml = entries.keySet().stream().filter(n -> n.endsWith(".xml") || n.endsWith(".xhtml") || n.endsWith(".opf")).toList();
                String name = xml.get(random.nextInt(xml.size()));
                entries.put(name, badXml(entries.get(name), random));
                return zip(entries);
            }),
            new Mutation("entry-bit-flips", (bytes, random) -> {
                var entries = entries(bytes);
                String name = pick(entries, random);
                entries.put(name, BYTES.getFirst().mutate().apply(entries.get(name).length == 0 ? new byte[1] : entries.get(name), random));
                return zip(entries);
            }),
            new Mutation("entry-removed", (bytes, random) -> {
                var entries = entries(bytes);
                entries.remove(pick(entries, random));
                return zip(entries);
            }));

    static final List<Mutation> TEXT = List.of(
            new Mutation("nul", (bytes, random) -> insert(bytes, random, new byte[] {0})),
            new Mutation("invalid-utf8", (bytes, random) -> insert(bytes, random, new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF, (byte) 0xFE})),
            new Mutation("utf16-bom", (bytes, random) -> {
                byte[] out = new byte[bytes.length + 2];
                out[0] = (byte) 0xFF;
                out[1] = (byte) 0xFE;
                System.arraycopy(bytes, 0, out, 2, bytes.length);
                return out;
            }),
            new Mutation("long-word", (bytes, random) -> insert(bytes, random, "x".repeat(100_000 + random.nextInt(200_000)).getBytes(StandardCharsets.UTF_8))),
            new Mutation("deep-nesting", (bytes, random) -> {
                int depth = 1_000 + random.nextInt(20_000);
                return insert(bytes, random, ("<div>".repeat(depth) + "deep" + "</div>".repeat(random.nextBoolean() ? depth : 0)).getBytes(StandardCharsets.UTF_8));
            }),
            new Mutation("bad-markup", (bytes, random) -> badXml(bytes, random)));

    private Mutations() {
    }

    /** One of the XML breakages a careless or hostile writer makes. */
    static byte[] badXml(byte[] xml, Random random) {
        String text = new String(xml, StandardCharsets.UTF_8);
        int at = random.nextInt(text.length() + 1);
        String broken = switch (random.nextInt(8)) {
            case 0 -> text.substring(0, at);
            case 1 -> "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"" + "a".repeat(100) + "\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
                    + text.replaceFirst("<\\?xml[^>]*\\?>", "");
            case 2 -> text.substring(0, at) + "&undefined;&#0;&#xFFFF;" + text.substring(at);
            case 3 -> text.substring(0, at) + "<a>".repeat(5_000 + random.nextInt(20_000)) + text.substring(at);
            case 4 -> text.replace('>', '<');
            case 5 -> text.replaceFirst("UTF-8", random.nextBoolean() ? "UTF-16" : "x-unknown");
            case 6 -> text.substring(0, at) + "<![CDATA[" + text.substring(at);
            default -> text.substring(0, at) + "\u0000\uFFFE\uD800" + text.substring(at);
        };
        return broken.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] insert(byte[] bytes, Random random, byte[] inserted) {
        int at = random.nextInt(bytes.length + 1);
        var out = new ByteArrayOutputStream();
        out.write(bytes, 0, at);
        out.write(inserted, 0, inserted.length);
        out.write(bytes, at, bytes.length - at);
        return out.toByteArray();
    }

    private static String pick(Map<String, byte[]> entries, Random random) {
        return new ArrayList<>(entries.keySet()).get(random.nextInt(entries.size()));
    }

    static LinkedHashMap<String, byte[]> entries(byte[] zip) {
        var entries = new LinkedHashMap<String, byte[]>();
        try (var in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                entries.put(entry.getName(), in.readAllBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    static byte[] zip(Map<String, byte[]> entries) {
        try {
            return TestDocuments.zip(entries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Integer> offsets(byte[] bytes, byte[] signature) {
        List<Integer> offsets = new ArrayList<>();
        for (int i = 0; i + signature.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + signature.length, signature, 0, signature.length)) {
                offsets.add(i);
            }
        }
        return offsets;
    }

    private static byte[] replace(byte[] bytes, byte[] from, byte[] to) {
        byte[] out = bytes.clone();
        for (int at : offsets(out, from)) {
            System.arraycopy(to, 0, out, at, to.length);
        }
        return out;
    }
}
