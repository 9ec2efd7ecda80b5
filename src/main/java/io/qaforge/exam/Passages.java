package io.qaforge.exam;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;

import io.qaforge.document.Chunk;
import io.qaforge.system.Language;

/**
 * The chunks of some documents in an in-memory Lucene index, ranked for a question by BM25 (Lucene's default
 * similarity): the retriever of a retrieval-augmented ceiling, so that an exam question without a passage of its own is
 * scored in context the way RAG would answer it. Words are compared as the documents' language's stems, without its
 * stopwords (the grounding gate's analyzers). Built per use: a run's documents are at most a few thousand chunks, which
 * Lucene indexes in about a second.
 */
final class Passages implements AutoCloseable {

    private static final String TEXT = "text", ORDER = "order";

    private final List<Chunk> chunks;
    private final Analyzer analyzer;
    private final ByteBuffersDirectory directory = new ByteBuffersDirectory();
    private final DirectoryReader reader;

    Passages(List<Chunk> chunks) {
        this.chunks = List.copyOf(chunks);
        this.analyzer = Language.of(chunks.isEmpty() ? "" : chunks.getFirst().getText()).analyzer();
        try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(analyzer))) {
            for (int i = 0; i < this.chunks.size(); i++) {
                var doc = new org.apache.lucene.document.Document();
                doc.add(new StoredField(ORDER, i));
                doc.add(new TextField(TEXT, this.chunks.get(i).getText(), Field.Store.NO));
                writer.addDocument(doc);
            }
            writer.commit();
            reader = DirectoryReader.open(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The chunks that rank highest for the question, best first, as many as fit {@code maxTokens} (the best one always);
     * none when no word of the question occurs in them.
     */
    List<Chunk> best(String question, int maxTokens) {
        Set<String> terms = terms(question);
        if (terms.isEmpty() || chunks.isEmpty()) {
            return List.of();
        }
        var query = new BooleanQuery.Builder();
        terms.stream().limit(IndexSearcher.getMaxClauseCount()).forEach(term ->
                query.add(new TermQuery(new Term(TEXT, term)), BooleanClause.Occur.SHOULD));
        try {
            IndexSearcher searcher = new IndexSearcher(reader);
            List<Chunk> best = new ArrayList<>();
            int tokens = 0;
            for (ScoreDoc hit : searcher.search(query.build(), chunks.size()).scoreDocs) {
                Chunk chunk = chunks.get(searcher.storedFields().document(hit.doc).getField(ORDER).numericValue().intValue());
                if (!best.isEmpty() && tokens + chunk.getTokens() > maxTokens) {
                    break;
                }
                best.add(chunk);
                tokens += chunk.getTokens();
            }
            return best;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Set<String> terms(String text) {
        Set<String> terms = new LinkedHashSet<>();
        try (TokenStream stream = analyzer.tokenStream(TEXT, text)) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                terms.add(term.toString());
            }
            stream.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return terms;
    }

    @Override
    public void close() {
        try (directory; reader) {
            // closed in reverse order
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
