import * as tf from '@tensorflow/tfjs';

export interface ModelOptions {
  inputShape: [number, number, number];
  classCount: number;
  /** Filters of each conv block; each block is conv-bn-relu then max-pool (LeNet-style). */
  filters: number[];
  denseUnits: number;
  dropout: number;
  /** How conv features become a vector: global average (position-invariant) or flatten (keeps layout; LeNet/Keras MNIST style). */
  head?: 'global-average' | 'flatten';
  learningRate: number;
}

/** A classic CNN: conv/pool blocks with batch norm and dropout, sigmoid for 2 classes, softmax otherwise. */
export function buildCnn(options: ModelOptions): tf.LayersModel {
  const model = tf.sequential();
  options.filters.forEach((filters, block) => {
    model.add(
      tf.layers.conv2d({
        ...(block === 0 ? { inputShape: options.inputShape } : {}),
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
      }),
    );
    // momentum 0.9 (not 0.99): with a few hundred steps the moving statistics used at validation must settle fast.
    model.add(tf.layers.batchNormalization({ momentum: 0.9 }));
    model.add(tf.layers.activation({ activation: 'relu' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  });
  model.add(options.head === 'flatten' ? tf.layers.flatten() : tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dropout({ rate: options.dropout }));
  model.add(tf.layers.dense({ units: options.denseUnits, activation: 'relu' }));
  model.add(tf.layers.dropout({ rate: options.dropout }));
  addClassifierHead(model, options.classCount);
  compileForClasses(model, options.classCount, options.learningRate);
  return model;
}

function addClassifierHead(model: tf.Sequential, classCount: number): void {
  model.add(
    tf.layers.dense({ units: classCount === 2 ? 1 : classCount, activation: classCount === 2 ? 'sigmoid' : 'softmax' }),
  );
}

export function compileForClasses(model: tf.LayersModel, classCount: number, learningRate: number): void {
  model.compile({
    optimizer: tf.train.adam(learningRate),
    loss: classCount === 2 ? 'binaryCrossentropy' : 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
}

export interface TransferModel {
  /** Base (cut before its own classifier), then the new head: what trains, is saved and is evaluated. */
  model: tf.LayersModel;
  /** The base and a parameter-free pooling: with no base layer fine-tuned, its output for an image never changes. */
  frozen: tf.LayersModel;
  /** Dropout and classifier on top of `frozen`, compiled, sharing its layers with `model`: it can train on cached features. */
  head: tf.LayersModel;
}

/**
 * Transfer learning: a frozen base (a loaded Layers model, cut at `baseLayer`, by default before
 * its last layer) under global pooling and a new dense head. `fineTune` unfreezes that many top base layers.
 */
export function transferModel(
  base: tf.LayersModel,
  options: ModelOptions & { fineTune: number; baseLayer?: string },
): TransferModel {
  const featureLayer = options.baseLayer
    ? findLayer(base, options.baseLayer)
    : (base.layers[base.layers.length - 2] ?? base.layers[0]!);
  const features = featureLayer.output as tf.SymbolicTensor;
  const firstTrainable = base.layers.indexOf(featureLayer) - options.fineTune + 1;
  for (const [i, layer] of base.layers.entries()) layer.trainable = i >= firstTrainable;
  const pooled =
    features.shape.length === 4
      ? (tf.layers.globalAveragePooling2d({}).apply(features) as tf.SymbolicTensor)
      : features;
  const frozen = tf.model({ inputs: base.inputs, outputs: pooled });
  const head = tf.sequential();
  head.add(tf.layers.inputLayer({ inputShape: (pooled.shape as number[]).slice(1) }));
  head.add(tf.layers.dropout({ rate: options.dropout }));
  addClassifierHead(head, options.classCount);
  const input = tf.input({ shape: options.inputShape });
  const model = tf.model({ inputs: input, outputs: head.apply(frozen.apply(input)) as tf.SymbolicTensor });
  compileForClasses(model, options.classCount, options.learningRate);
  compileForClasses(head, options.classCount, options.learningRate);
  return { model, frozen, head };
}

function findLayer(model: tf.LayersModel, name: string): tf.layers.Layer {
  const layer = model.layers.find((l) => l.name === name);
  if (!layer)
    throw new Error(
      `--base-layer ${name}: the base has no such layer; its last layers are ${model.layers
        .slice(-6)
        .map((l) => l.name)
        .join(', ')}`,
    );
  return layer;
}
