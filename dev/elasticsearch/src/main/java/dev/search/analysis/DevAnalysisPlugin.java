package dev.search.analysis;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.it.ItalianAnalyzer;
import org.apache.lucene.analysis.it.ItalianLightStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.cluster.metadata.ProjectMetadata;
import org.elasticsearch.common.compress.CompressedXContent;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.IndexMode;
import org.elasticsearch.index.IndexSettingProvider;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.PreBuiltAnalyzerProviderFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.indices.analysis.PreBuiltCacheFactory.CachingStrategy;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;
import org.tartarus.snowball.ext.EnglishStemmer;
import org.tartarus.snowball.ext.ItalianStemmer;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Stand-in for the bits of the {@code analysis-common} module (not published on Maven Central) that the
 * skills index needs, built directly on Lucene's analysis-common jar:
 * <ul>
 *   <li>analyzers {@code italian} and {@code english} (Lucene's ItalianAnalyzer / EnglishAnalyzer, which is what
 *       Elasticsearch's analyzers of the same names wrap), optionally with {@code stopwords}, {@code stopwords_path}
 *       and {@code stem_exclusion};</li>
 *   <li>token filters {@code asciifolding} (with {@code preserve_original}), {@code porter_stem} and
 *       {@code stemmer} (a few English/Italian languages);</li>
 *   <li>tokenizers {@code whitespace} and {@code keyword}.</li>
 * </ul>
 * It also makes {@code index.number_of_replicas: 0} the default for new indices, so a single node is green.
 */
public class DevAnalysisPlugin extends Plugin implements AnalysisPlugin {

    public DevAnalysisPlugin() {}

    // ---------------------------------------------------------------- analyzers

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        return Map.of(
            "italian",
            (indexSettings, env, name, settings) -> new FixedAnalyzerProvider(
                name,
                new ItalianAnalyzer(
                    Analysis.parseStopWords(env, settings, ItalianAnalyzer.getDefaultStopSet()),
                    Analysis.parseStemExclusion(settings, CharArraySet.EMPTY_SET)
                )
            ),
            "english",
            (indexSettings, env, name, settings) -> new FixedAnalyzerProvider(
                name,
                new EnglishAnalyzer(
                    Analysis.parseStopWords(env, settings, EnglishAnalyzer.ENGLISH_STOP_WORDS_SET),
                    Analysis.parseStemExclusion(settings, CharArraySet.EMPTY_SET)
                )
            )
        );
    }

    /** Shared (per node) instances used when a mapping just says {@code "analyzer": "italian"}. */
    @Override
    public List<PreBuiltAnalyzerProviderFactory> getPreBuiltAnalyzerProviderFactories() {
        return List.of(
            new PreBuiltAnalyzerProviderFactory("italian", CachingStrategy.ONE, ItalianAnalyzer::new),
            new PreBuiltAnalyzerProviderFactory("english", CachingStrategy.ONE, EnglishAnalyzer::new)
        );
    }

    private static final class FixedAnalyzerProvider extends AbstractIndexAnalyzerProvider<Analyzer> {
        private final Analyzer analyzer;

        FixedAnalyzerProvider(String name, Analyzer analyzer) {
            super(name);
            this.analyzer = analyzer;
        }

        @Override
        public Analyzer get() {
            return analyzer;
        }
    }

    // ---------------------------------------------------------------- token filters

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "asciifolding",
            (indexSettings, env, name, settings) -> new AsciiFoldingFactory(name, settings.getAsBoolean("preserve_original", false)),
            "porter_stem",
            (indexSettings, env, name, settings) -> new SimpleFilterFactory(name, PorterStemFilter::new),
            "stemmer",
            (indexSettings, env, name, settings) -> new SimpleFilterFactory(name, stemmerFor(settings))
        );
    }

    private static Function<TokenStream, TokenStream> stemmerFor(Settings settings) {
        String language = settings.get("language", settings.get("name", "porter")).toLowerCase(Locale.ROOT);
        return switch (language) {
            case "english", "porter" -> PorterStemFilter::new;
            case "light_english", "kstem" -> KStemFilter::new;
            case "minimal_english" -> EnglishMinimalStemFilter::new;
            case "possessive_english" -> EnglishPossessiveFilter::new;
            case "porter2" -> in -> new SnowballFilter(in, new EnglishStemmer());
            case "italian" -> in -> new SnowballFilter(in, new ItalianStemmer());
            case "light_italian" -> ItalianLightStemFilter::new;
            default -> throw new IllegalArgumentException(
                "stemmer language [" + language + "] is not available in this dev node (supported: english, porter, light_english, "
                    + "kstem, minimal_english, possessive_english, porter2, italian, light_italian)"
            );
        };
    }

    private static final class SimpleFilterFactory extends AbstractTokenFilterFactory {
        private final Function<TokenStream, TokenStream> filter;

        SimpleFilterFactory(String name, Function<TokenStream, TokenStream> filter) {
            super(name);
            this.filter = filter;
        }

        @Override
        public TokenStream create(TokenStream tokenStream) {
            return filter.apply(tokenStream);
        }
    }

    /** Also usable in keyword-field normalizers (it is a per-character transformation). */
    private static final class AsciiFoldingFactory extends AbstractTokenFilterFactory implements NormalizingTokenFilterFactory {
        private final boolean preserveOriginal;

        AsciiFoldingFactory(String name, boolean preserveOriginal) {
            super(name);
            this.preserveOriginal = preserveOriginal;
        }

        @Override
        public TokenStream create(TokenStream tokenStream) {
            return new ASCIIFoldingFilter(tokenStream, preserveOriginal);
        }

        @Override
        public TokenStream normalize(TokenStream tokenStream) {
            // Normalizers must emit exactly one token per input token.
            return new ASCIIFoldingFilter(tokenStream, false);
        }
    }

    // ---------------------------------------------------------------- tokenizers

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of(
            "whitespace",
            (indexSettings, env, name, settings) -> TokenizerFactory.newFactory(name, WhitespaceTokenizer::new),
            "keyword",
            (indexSettings, env, name, settings) -> TokenizerFactory.newFactory(name, KeywordTokenizer::new)
        );
    }

    // ---------------------------------------------------------------- index defaults

    @Override
    public Collection<IndexSettingProvider> getAdditionalIndexSettingProviders(IndexSettingProvider.Parameters parameters) {
        return List.of(new ZeroReplicasByDefault());
    }

    /**
     * Index setting providers are applied before template and request settings, so this is only a default:
     * an explicit {@code number_of_replicas} (or {@code auto_expand_replicas}) in a template or request still wins.
     */
    private static final class ZeroReplicasByDefault implements IndexSettingProvider {
        @Override
        public void provideAdditionalSettings(
            String indexName,
            String dataStreamName,
            IndexMode templateIndexMode,
            ProjectMetadata projectMetadata,
            Instant resolvedAt,
            Settings indexTemplateAndCreateRequestSettings,
            List<CompressedXContent> combinedTemplateMappings,
            IndexVersion indexVersion,
            Settings.Builder additionalSettings
        ) {
            additionalSettings.put(IndexMetadata.SETTING_NUMBER_OF_REPLICAS, 0);
        }
    }
}
