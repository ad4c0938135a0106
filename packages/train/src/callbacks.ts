import * as tf from '@tensorflow/tfjs';
import { type ModelInfo, saveTrainedModel } from './model-files';
import type { ScheduleOptions } from './train-options';

/** Early stopping (patience; 0: never) and learning-rate cuts (lrPatience; 0: never), as ScheduleOptions sets them. */
export interface PlateauOptions
  extends Pick<ScheduleOptions, 'patience' | 'lrPatience' | 'lrFactor' | 'minLearningRate'> {
  /** Folder for the best model so far; also what --resume reads. */
  checkpointDir: string;
  /** The model to checkpoint, when the one being fit is only part of it (a head trained on cached features). Defaults to the fit model. */
  checkpointModel?: tf.LayersModel;
  /** Stored with the checkpoint so a resumed run knows its classes and epoch. */
  info: ModelInfo;
  /**
   * The val_loss and epoch of the weights the run starts from (a resumed checkpoint): an epoch
   * must beat it to replace the checkpoint, and they are restored if none does. Defaults to none.
   */
  startingBest?: { loss: number; epoch: number };
}

/**
 * Early stopping that restores the best weights, best-model checkpoints and
 * reduce-LR-on-plateau, all keyed on val_loss (tfjs's own EarlyStopping cannot restore weights).
 */
export class PlateauCallback extends tf.Callback {
  bestLoss: number;
  bestEpoch: number;
  private bestWeights: tf.Tensor[] = [];
  private sinceBest = 0;
  private sinceLrCut = 0;

  constructor(private readonly options: PlateauOptions) {
    super();
    this.bestLoss = options.startingBest?.loss ?? Infinity;
    this.bestEpoch = options.startingBest?.epoch ?? -1;
  }

  override async onTrainBegin(): Promise<void> {
    if (this.options.startingBest) this.bestWeights = (this.model as tf.LayersModel).getWeights().map((w) => w.clone());
  }

  override async onTrainEnd(): Promise<void> {
    this.restoreBest();
  }

  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    const loss = await resolveLog(logs?.val_loss ?? logs?.loss);
    if (loss === undefined) return;
    const model = this.model as tf.LayersModel;
    if (loss < this.bestLoss) {
      this.bestLoss = loss;
      this.bestEpoch = epoch;
      this.sinceBest = 0;
      this.sinceLrCut = 0;
      tf.dispose(this.bestWeights);
      this.bestWeights = model.getWeights().map((w) => w.clone());
      await saveTrainedModel(this.options.checkpointDir, this.options.checkpointModel ?? model, {
        ...this.options.info,
        epoch,
        valLoss: loss,
      });
      return;
    }
    this.sinceBest++;
    this.sinceLrCut++;
    if (this.options.lrPatience > 0 && this.sinceLrCut >= this.options.lrPatience) this.cutLearningRate(model);
    if (this.options.patience > 0 && this.sinceBest >= this.options.patience) model.stopTraining = true;
  }

  private cutLearningRate(model: tf.LayersModel): void {
    const optimizer = model.optimizer as unknown as { learningRate: number };
    optimizer.learningRate = Math.max(this.options.minLearningRate, optimizer.learningRate * this.options.lrFactor);
    this.sinceLrCut = 0;
  }

  private restoreBest(): void {
    if (this.bestWeights.length === 0) return;
    (this.model as tf.LayersModel).setWeights(this.bestWeights);
    tf.dispose(this.bestWeights);
    this.bestWeights = [];
  }
}

/** Plain tf.Callback subclasses may receive scalars still on the backend. */
export async function resolveLog(value: number | tf.Scalar | undefined): Promise<number | undefined> {
  if (value === undefined || typeof value === 'number') return value;
  return (await value.data())[0];
}
