/**
 * Turns a model's container (Image + ModelDataUrl) into a loaded XGBoost model, the way SageMaker starts a
 * container: the image must be an XGBoost one, and the artifact must download and load. Loaded models are cached by
 * artifact path, size and mtime, so 1,000 endpoints on the same artifact share one parsed model and an overwritten
 * file is re-read. All file access is async; nothing here runs per request.
 */
import { stat, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModelArtifact } from './model-artifact';
import { loadXGBoostModel, type XGBoostModel } from './xgboost';

/** Why a variant could not start; becomes the endpoint's FailureReason. */
export class DeployError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployError';
  }
}

/** `s3://bucket/key` → `<dataDir>/bucket/key`; `file:///abs` → `/abs`. Refuses paths that leave the data dir. */
export function resolveDataUrl(url: string, dataDir: string): string {
  if (url.startsWith('file://')) {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch (e) {
      throw new DeployError(`ModelDataUrl "${url}" is not a valid file:// URL (${(e as Error).message})`);
    }
    return path;
  }
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) {
    throw new DeployError(
      `ModelDataUrl "${url}" is not supported: use s3://bucket/key (read from the emulator's data dir) or file:///abs/path`,
    );
  }
  return safeJoin(dataDir, m[1], m[2]);
}

/** `<root>/<bucket>/<key>`, or throws when the key climbs out (`..`) of the root. */
export function safeJoin(root: string, bucket: string, key: string): string {
  const base = resolve(root);
  const bucketDir = resolve(base, bucket);
  const path = resolve(bucketDir, key);
  const climbs = key.split('/').includes('..') || bucket === '..' || bucket === '.' || bucket.includes('/');
  if (climbs || isAbsolute(key) || bucketDir !== join(base, bucket) || !path.startsWith(bucketDir + sep)) {
    throw new DeployError(`"${bucket}/${key}" leaves the data directory`);
  }
  return path;
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
  model: Promise<XGBoostModel>;
}

export class ModelLoader {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(private readonly dataDir: string) {}

  /** Loads the model behind a ModelDataUrl; throws DeployError with a SageMaker-like reason. */
  async load(modelDataUrl: string): Promise<XGBoostModel> {
    const path = resolveDataUrl(modelDataUrl, this.dataDir);
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new DeployError(
        `Could not access model data at ${modelDataUrl}. Please ensure that the object exists (the emulator reads ` +
          `it from ${path}).`,
      );
    }
    if (!info.isFile()) throw new DeployError(`Could not access model data at ${modelDataUrl}: ${path} is not a file.`);
    const cached = this.cache.get(path);
    if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs) return cached.model;
    const model = readFile(path).then((bytes) => {
      try {
        return loadXGBoostModel(readModelArtifact(bytes));
      } catch (e) {
        throw new DeployError(
          `Failed to load the model data from ${modelDataUrl} into the XGBoost container: ${(e as Error).message}`,
        );
      }
    });
    this.cache.set(path, { size: info.size, mtimeMs: info.mtimeMs, model });
    // A failed load is not cached: the user may fix the file and deploy again.
    model.catch(() => {
      if (this.cache.get(path)?.model === model) this.cache.delete(path);
    });
    return model;
  }

  clear(): void {
    this.cache.clear();
  }
}

/** SageMaker's XGBoost images all say so in their name (…/sagemaker-xgboost:1.7-1); anything else cannot serve here. */
export function checkImage(image: string | undefined, variantName: string): void {
  if (!image) throw new DeployError(`The model for production variant ${variantName} has no container image.`);
  if (!/xgboost/i.test(image)) {
    throw new DeployError(
      `The primary container for production variant ${variantName} did not pass the ping health check: image ` +
        `"${image}" is not an XGBoost image (this emulator serves SageMaker's XGBoost container only).`,
    );
  }
}
