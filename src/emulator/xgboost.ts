/**
 * XGBoost inference from the JSON model format, for the SageMaker emulator.
 *
 * Verified against:
 * - xgboost 1.7.4 (Debian's python3-xgboost): `scripts/train-demo-models.py` trains gbtree (binary:logistic with
 *   NaNs, logitraw, reg:squarederror, reg:logistic, count:poisson, multi:softprob, multi:softmax, non-default
 *   base_score), dart, gblinear and categorical-split models, and commits each model's JSON text with xgboost's own
 *   `predict()` output (test/fixtures/xgboost/*.json). test/unit/emulator/xgboost.test.ts checks every fixture to
 *   1e-6 (the observed difference is at float32 rounding level).
 * - 2.x/3.x layout, read from xgboost's source (src/learner.cc, src/gbm/gbtree_model.cc, src/tree/tree_model.cc at
 *   tags v2.0.0 … v3.1.0 and master): base_score is a scalar string ("5E-1") up to 3.0 and a vector literal
 *   ("[5E-1]" or one value per class/target) from 3.1; num_target/boost_from_average keys appear from 2.0; DART's
 *   weight_drop sits beside "gbtree" up to 3.x and inside the tree model on master (`gradient_booster.name` is then
 *   "gbtree"); multiclass models from 3.1 carry a per-class intercept. The tests rewrite 1.7 fixtures into those
 *   layouts and expect the same scores; no 2.x/3.x xgboost runtime was available here to produce native fixtures.
 *
 * Prediction follows xgboost's CPU predictor: features and split conditions are float32 (`Math.fround`), a row goes
 * left when `x < split_condition`, NaN (missing) follows `default_left`, leaves add to a float32 margin that starts
 * at the objective's margin of base_score (logit for logistic objectives, log for count/gamma/tweedie/survival),
 * and the objective's transform (sigmoid, softmax, exp, …) gives the score.
 */

import { decodeUbjson, looksLikeUbjson } from './ubjson';

export interface XGBoostModel {
  objective: string; // e.g. 'binary:logistic'
  numFeatures: number;
  numClass: number; // 1 for binary/regression
  /** One output array per row: [score] for binary/regression, [p0..pk-1] for multi:softprob, [class] for multi:softmax. NaN = missing. */
  predict(rows: ArrayLike<number>[]): number[][];
}

type Transform = 'identity' | 'sigmoid' | 'exp' | 'softprob' | 'softmax' | 'hinge';
type MarginLink = 'identity' | 'logit' | 'log';

interface ObjectiveInfo {
  transform: Transform;
  link: MarginLink;
}

// Objectives whose prediction is a fixed function of the margin. Others (e.g. reg:expectile, whose intercept uses a
// cumulative transform) are refused rather than scored wrongly.
const OBJECTIVES: Record<string, ObjectiveInfo> = {
  'reg:squarederror': { transform: 'identity', link: 'identity' },
  'reg:linear': { transform: 'identity', link: 'identity' },
  'reg:squaredlogerror': { transform: 'identity', link: 'identity' },
  'reg:pseudohubererror': { transform: 'identity', link: 'identity' },
  'reg:absoluteerror': { transform: 'identity', link: 'identity' },
  'reg:quantileerror': { transform: 'identity', link: 'identity' },
  'binary:logitraw': { transform: 'identity', link: 'identity' },
  'rank:pairwise': { transform: 'identity', link: 'identity' },
  'rank:ndcg': { transform: 'identity', link: 'identity' },
  'rank:map': { transform: 'identity', link: 'identity' },
  'binary:logistic': { transform: 'sigmoid', link: 'logit' },
  'reg:logistic': { transform: 'sigmoid', link: 'logit' },
  'binary:hinge': { transform: 'hinge', link: 'identity' },
  'count:poisson': { transform: 'exp', link: 'log' },
  'reg:gamma': { transform: 'exp', link: 'log' },
  'reg:tweedie': { transform: 'exp', link: 'log' },
  'survival:cox': { transform: 'exp', link: 'log' },
  'survival:aft': { transform: 'exp', link: 'log' },
  'multi:softprob': { transform: 'softprob', link: 'identity' },
  'multi:softmax': { transform: 'softmax', link: 'identity' },
};

const f32 = Math.fround;
// xgboost treats category values at or above 2^24 as invalid (they cannot round-trip through float32).
const MAX_CATEGORY = 16777216;

/** Trees of one model flattened into parallel typed arrays; node ids are global across trees. */
interface Forest {
  roots: Int32Array; // root node of each tree
  outputOf: Int32Array; // output (class/target) each tree adds to
  left: Int32Array; // -1 marks a leaf
  right: Int32Array;
  missingChild: Int32Array; // default_left resolved to a node id
  feature: Int32Array;
  threshold: Float64Array; // float32 split condition
  leafValue: Float64Array; // float32 leaf value, already multiplied by the DART tree weight
  catOffset: Int32Array; // -1 for numeric splits, else start of this node's category bitset in catBits
  catWords: Int32Array; // bitset length in 32-bit words
  catBits: Uint32Array;
  hasCategorical: boolean;
}

interface Linear {
  weights: Float64Array; // [feature * numOutputs + output], float32 values
  bias: Float64Array; // per output
}

type Json = Record<string, unknown>;

class ModelFormatError extends Error {
  constructor(message: string) {
    super(`unsupported or invalid XGBoost model: ${message}`);
    this.name = 'ModelFormatError';
  }
}

function fail(message: string): never {
  throw new ModelFormatError(message);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(obj: Json, key: string, where: string): unknown {
  if (!(key in obj)) fail(`missing "${key}" in ${where}`);
  return obj[key];
}

function objectField(obj: Json, key: string, where: string): Json {
  const v = field(obj, key, where);
  if (!isObject(v)) fail(`"${key}" in ${where} is not an object`);
  return v;
}

function numberArray(obj: Json, key: string, where: string, length?: number): number[] {
  const v = field(obj, key, where);
  if (!Array.isArray(v)) fail(`"${key}" in ${where} is not an array`);
  if (length !== undefined && v.length !== length)
    fail(`"${key}" in ${where} has ${v.length} entries, expected ${length}`);
  let hasNull = false;
  for (let i = 0; i < v.length; i++) {
    // null stands for a NaN that xgboost wrote as a bare NaN token (see parseModelJson).
    if (v[i] === null) hasNull = true;
    else if (typeof v[i] !== 'number') fail(`"${key}"[${i}] in ${where} is not a number`);
  }
  return hasNull ? v.map((x) => (x === null ? NaN : (x as number))) : (v as number[]);
}

/** xgboost stores numbers in its param objects as strings ("8", "5E-1"). */
function intParam(obj: Json, key: string, fallback?: number): number {
  const raw = obj[key];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    fail(`missing "${key}" in learner_model_param`);
  }
  const n = typeof raw === 'number' ? raw : Number.parseInt(String(raw), 10);
  if (!Number.isInteger(n) || n < 0) fail(`"${key}" is not a non-negative integer: ${JSON.stringify(raw)}`);
  return n;
}

/** base_score: "5E-1" (≤ 3.0), "[5E-1]" or "[1E0,2E0,3E0]" (≥ 3.1), or a plain number in hand-written models. */
function parseBaseScore(raw: unknown): number[] {
  if (raw === undefined) return [0.5];
  if (typeof raw === 'number') return [raw];
  if (Array.isArray(raw)) return raw.map((v) => Number(v));
  if (typeof raw !== 'string') fail(`base_score is neither a string nor a number: ${JSON.stringify(raw)}`);
  const text = raw
    .trim()
    .replace(/^[[(]/, '')
    .replace(/[\])]$/, '');
  const values = text
    .split(/[\s,]+/)
    .filter((s) => s.length > 0)
    .map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) fail(`base_score is not numeric: "${raw}"`);
  return values;
}

function marginOf(value: number, link: MarginLink, objective: string): number {
  switch (link) {
    case 'identity':
      return f32(value);
    case 'logit': {
      if (!(value > 0 && value < 1)) fail(`base_score ${value} must be in (0, 1) for ${objective}`);
      // xgboost ≥ 3.1 clamps to [1e-6, 1 - 1e-6]; earlier versions reject the ends at training time.
      const p = f32(Math.min(Math.max(value, 1e-6), 1 - 1e-6));
      return f32(-Math.log(f32(f32(1 / p) - 1)));
    }
    case 'log':
      if (!(value > 0)) fail(`base_score ${value} must be positive for ${objective}`);
      return f32(Math.log(value));
  }
}

/**
 * JSON.parse that also accepts the bare NaN / Infinity / -Infinity tokens xgboost writes (categorical split
 * conditions are saved as NaN). Those tokens become null, which numeric readers turn back into NaN/±Infinity where
 * it matters (only split_conditions of categorical nodes, which prediction ignores).
 */
function parseModelJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    if (!/NaN|Infinity/.test(text)) throw first;
  }
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    const rest = text.startsWith('NaN', i)
      ? 3
      : text.startsWith('-Infinity', i)
        ? 9
        : text.startsWith('Infinity', i)
          ? 8
          : 0;
    if (rest > 0) {
      out += text.slice(last, i) + 'null';
      i += rest - 1;
      last = i + 1;
    }
  }
  return JSON.parse(out + text.slice(last));
}

function toModelObject(json: string | Buffer | object): Json {
  let parsed: unknown = json;
  if (Buffer.isBuffer(json) && looksLikeUbjson(json)) {
    try {
      parsed = decodeUbjson(json);
    } catch (e) {
      fail(
        `not valid UBJSON (${(e as Error).message}); save the model as JSON: booster.save_model("xgboost-model.json")`,
      );
    }
  } else if (Buffer.isBuffer(json) || typeof json === 'string') {
    const text = Buffer.isBuffer(json) ? json.toString('utf8') : json;
    const start = text.trimStart();
    if (!start.startsWith('{') && !start.startsWith('[')) {
      fail('not JSON text (binary or legacy model?). Save the model as JSON: booster.save_model("xgboost-model.json")');
    }
    try {
      parsed = parseModelJson(text);
    } catch (e) {
      const second = start.charAt(1);
      const hint = /[\s"}]/.test(second)
        ? ''
        : ' It looks like UBJSON; save the model as JSON instead: booster.save_model("xgboost-model.json").';
      fail(`not valid JSON (${(e as Error).message}).${hint}`);
    }
  }
  if (!isObject(parsed)) fail('the top level is not a JSON object');
  if ('Config' in parsed || ('learner' in parsed && isObject(parsed.learner) && 'generic_param' in parsed.learner)) {
    fail('this is a booster configuration (save_config), not a model; use booster.save_model("xgboost-model.json")');
  }
  return parsed;
}

/** Checks every node is reached once from the root (so traversal terminates) and children are in range. */
function checkTreeShape(left: number[], right: number[], where: string): void {
  const n = left.length;
  const seen = new Uint8Array(n);
  const stack = [0];
  while (stack.length > 0) {
    const node = stack.pop() as number;
    if (seen[node]) fail(`${where}: node ${node} is reached twice (not a tree)`);
    seen[node] = 1;
    const l = left[node];
    const r = right[node];
    if (l === -1) continue;
    if (!Number.isInteger(l) || !Number.isInteger(r) || l < 0 || r < 0 || l >= n || r >= n) {
      fail(`${where}: node ${node} has children ${l}/${r} outside 0..${n - 1}`);
    }
    stack.push(l, r);
  }
}

function compileForest(
  gbtree: Json,
  numFeatures: number,
  numOutputs: number,
  dartWeights: number[] | undefined,
): Forest {
  const model = objectField(gbtree, 'model', 'gradient_booster');
  const treesRaw = field(model, 'trees', 'gradient_booster.model');
  if (!Array.isArray(treesRaw)) fail('gradient_booster.model.trees is not an array');
  const trees = treesRaw as unknown[];
  const treeInfo = numberArray(model, 'tree_info', 'gradient_booster.model', trees.length);
  // From xgboost master, DART's weights live in the tree model itself.
  const weights =
    dartWeights ?? (Array.isArray(model.weight_drop) ? numberArray(model, 'weight_drop', 'model') : undefined);
  if (weights && weights.length > trees.length)
    fail(`weight_drop has ${weights.length} entries for ${trees.length} trees`);

  let totalNodes = 0;
  const parsed = trees.map((t, i) => {
    const where = `tree ${i}`;
    if (!isObject(t)) fail(`${where} is not an object`);
    const param = objectField(t, 'tree_param', where);
    const leafVector = intParam(param, 'size_leaf_vector', 1);
    if (leafVector > 1) {
      fail(`${where} has vector leaves (multi_strategy="multi_output_tree"), which this emulator does not score`);
    }
    const n = intParam(param, 'num_nodes');
    if (n < 1) fail(`${where} has no nodes`);
    const left = numberArray(t, 'left_children', where, n);
    const right = numberArray(t, 'right_children', where, n);
    const split = numberArray(t, 'split_indices', where, n);
    const cond = numberArray(t, 'split_conditions', where, n);
    const dflt = numberArray(t, 'default_left', where, n);
    const splitType = Array.isArray(t.split_type) ? numberArray(t, 'split_type', where, n) : undefined;
    checkTreeShape(left, right, where);
    totalNodes += n;
    return { t, where, n, left, right, split, cond, dflt, splitType };
  });

  const forest: Forest = {
    roots: new Int32Array(trees.length),
    outputOf: new Int32Array(trees.length),
    left: new Int32Array(totalNodes),
    right: new Int32Array(totalNodes),
    missingChild: new Int32Array(totalNodes),
    feature: new Int32Array(totalNodes),
    threshold: new Float64Array(totalNodes),
    leafValue: new Float64Array(totalNodes),
    catOffset: new Int32Array(totalNodes).fill(-1),
    catWords: new Int32Array(totalNodes),
    catBits: new Uint32Array(0),
    hasCategorical: false,
  };
  const catChunks: Uint32Array[] = [];
  let catLength = 0;

  let base = 0;
  parsed.forEach(({ t, where, n, left, right, split, cond, dflt, splitType }, i) => {
    const output = treeInfo[i];
    if (!Number.isInteger(output) || output < 0 || output >= numOutputs) {
      fail(`tree_info[${i}] = ${output} but the model has ${numOutputs} output(s)`);
    }
    forest.roots[i] = base;
    forest.outputOf[i] = output;
    const w = weights && i < weights.length ? f32(weights[i]) : 1;
    const catNodes = new Map<number, number[]>();
    if (splitType && splitType.some((s) => s === 1)) {
      const nodes = numberArray(t, 'categories_nodes', where);
      const segments = numberArray(t, 'categories_segments', where, nodes.length);
      const sizes = numberArray(t, 'categories_sizes', where, nodes.length);
      const cats = numberArray(t, 'categories', where);
      nodes.forEach((node, k) => {
        const set = cats.slice(segments[k], segments[k] + sizes[k]);
        if (set.length !== sizes[k] || set.some((c) => !Number.isInteger(c) || c < 0 || c >= MAX_CATEGORY)) {
          fail(`${where}: bad category set for node ${node}`);
        }
        catNodes.set(node, set);
      });
    }
    for (let j = 0; j < n; j++) {
      const g = base + j;
      if (left[j] === -1) {
        forest.left[g] = -1;
        forest.right[g] = -1;
        forest.missingChild[g] = -1;
        // A leaf's value is stored in split_conditions; DART scales each tree's output by its weight (in float32).
        forest.leafValue[g] = f32(f32(cond[j]) * w);
        continue;
      }
      forest.left[g] = base + left[j];
      forest.right[g] = base + right[j];
      forest.missingChild[g] = dflt[j] ? base + left[j] : base + right[j];
      const f = split[j];
      if (!Number.isInteger(f) || f < 0 || f >= numFeatures)
        fail(`${where}: node ${j} splits on feature ${f}, the model has ${numFeatures}`);
      forest.feature[g] = f;
      if (splitType && splitType[j] === 1) {
        const set = catNodes.get(j);
        if (!set) fail(`${where}: categorical node ${j} has no category set`);
        const words = (set.length === 0 ? 0 : Math.max(...set) >> 5) + 1;
        const bits = new Uint32Array(words);
        for (const c of set) bits[c >> 5] |= 1 << (c & 31);
        forest.catOffset[g] = catLength;
        forest.catWords[g] = words;
        catChunks.push(bits);
        catLength += words;
        forest.hasCategorical = true;
      } else {
        const c = cond[j];
        if (Number.isNaN(c)) fail(`${where}: numeric split at node ${j} has no condition`);
        forest.threshold[g] = f32(c);
      }
    }
    base += n;
  });
  forest.catBits = new Uint32Array(catLength);
  let at = 0;
  for (const chunk of catChunks) {
    forest.catBits.set(chunk, at);
    at += chunk.length;
  }
  return forest;
}

function compileLinear(booster: Json, numFeatures: number, numOutputs: number): Linear {
  const model = objectField(booster, 'model', 'gradient_booster');
  const w = numberArray(model, 'weights', 'gblinear model', (numFeatures + 1) * numOutputs);
  return {
    weights: Float64Array.from(w.slice(0, numFeatures * numOutputs), f32),
    bias: Float64Array.from(w.slice(numFeatures * numOutputs), f32),
  };
}

/** Walks one tree for the float32 row in x; returns the leaf node. */
function leafOf(forest: Forest, root: number, x: Float64Array): number {
  const { left, right, missingChild, feature, threshold } = forest;
  let node = root;
  if (!forest.hasCategorical) {
    while (left[node] !== -1) {
      const v = x[feature[node]];
      if (v !== v) node = missingChild[node];
      else node = v < threshold[node] ? left[node] : right[node];
    }
    return node;
  }
  const { catOffset, catWords, catBits } = forest;
  while (left[node] !== -1) {
    const v = x[feature[node]];
    if (v !== v) {
      node = missingChild[node];
    } else if (catOffset[node] >= 0) {
      // xgboost: a category in the node's set goes right; anything else (unknown, negative, too large) goes left.
      let inSet = false;
      if (v >= 0 && v < MAX_CATEGORY) {
        const c = Math.trunc(v);
        const word = c >> 5;
        inSet = word < catWords[node] && (catBits[catOffset[node] + word] & (1 << (c & 31))) !== 0;
      }
      node = inSet ? right[node] : left[node];
    } else {
      node = v < threshold[node] ? left[node] : right[node];
    }
  }
  return node;
}

function sigmoid32(m: number): number {
  // xgboost's float Sigmoid: exp argument capped at 88.7 to avoid overflow.
  const e = f32(Math.exp(Math.min(-m, 88.7)));
  return f32(1 / f32(e + 1));
}

class CompiledModel implements XGBoostModel {
  readonly numOutputs: number;
  private readonly x: Float64Array; // scratch row, float32 feature values, NaN = missing
  private readonly margin: Float64Array; // scratch margins, one per output

  constructor(
    readonly objective: string,
    readonly numFeatures: number,
    readonly numClass: number,
    private readonly transform: Transform,
    private readonly baseMargin: Float64Array,
    private readonly forest: Forest | undefined,
    private readonly linear: Linear | undefined,
  ) {
    this.numOutputs = baseMargin.length;
    this.x = new Float64Array(numFeatures);
    this.margin = new Float64Array(this.numOutputs);
  }

  predict(rows: ArrayLike<number>[]): number[][] {
    const out: number[][] = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) out[r] = this.predictRow(rows[r], r);
    return out;
  }

  private predictRow(row: ArrayLike<number>, index: number): number[] {
    const { x, margin, numFeatures, numOutputs } = this;
    const len = row.length;
    if (len > numFeatures) {
      throw new Error(`row ${index} has ${len} features but the model was trained on ${numFeatures}`);
    }
    for (let f = 0; f < len; f++) x[f] = f32(row[f]);
    // Shorter rows: xgboost treats absent trailing columns as missing.
    for (let f = len; f < numFeatures; f++) x[f] = NaN;
    margin.set(this.baseMargin);

    const forest = this.forest;
    if (forest) {
      const { roots, outputOf, leafValue } = forest;
      for (let t = 0; t < roots.length; t++) {
        const o = outputOf[t];
        margin[o] = f32(margin[o] + leafValue[leafOf(forest, roots[t], x)]);
      }
    }
    const linear = this.linear;
    if (linear) {
      // gblinear: bias + Σ w·x over present features, accumulated in float32 as xgboost does.
      for (let o = 0; o < numOutputs; o++) {
        let s = f32(margin[o] + linear.bias[o]);
        for (let f = 0; f < numFeatures; f++) {
          const v = x[f];
          if (v === v) s = f32(s + f32(v * linear.weights[f * numOutputs + o]));
        }
        margin[o] = s;
      }
    }
    return this.finish(margin);
  }

  private finish(margin: Float64Array): number[] {
    const n = margin.length;
    switch (this.transform) {
      case 'identity':
        return Array.from(margin);
      case 'sigmoid': {
        const res = new Array<number>(n);
        for (let o = 0; o < n; o++) res[o] = sigmoid32(margin[o]);
        return res;
      }
      case 'exp': {
        const res = new Array<number>(n);
        for (let o = 0; o < n; o++) res[o] = f32(Math.exp(margin[o]));
        return res;
      }
      case 'hinge': {
        const res = new Array<number>(n);
        for (let o = 0; o < n; o++) res[o] = margin[o] > 0 ? 1 : 0;
        return res;
      }
      case 'softmax': {
        let best = 0;
        for (let o = 1; o < n; o++) if (margin[o] > margin[best]) best = o;
        return [best];
      }
      case 'softprob': {
        let max = margin[0];
        for (let o = 1; o < n; o++) if (margin[o] > max) max = margin[o];
        const res = new Array<number>(n);
        let sum = 0;
        // As xgboost's Softmax: float exponentials, a double sum rounded to float once, float division.
        for (let o = 0; o < n; o++) {
          res[o] = f32(Math.exp(f32(margin[o] - max)));
          sum += res[o];
        }
        const total = f32(sum);
        for (let o = 0; o < n; o++) res[o] = f32(res[o] / total);
        return res;
      }
    }
  }
}

/** Loads an XGBoost model saved as JSON (or UBJSON bytes, or the parsed document); throws a clear Error otherwise. */
export function loadXGBoostModel(json: string | Buffer | object): XGBoostModel {
  const root = toModelObject(json);
  const learner = objectField(root, 'learner', 'the model');
  const params = objectField(learner, 'learner_model_param', 'learner');
  const objectiveObj = objectField(learner, 'objective', 'learner');
  const objective = String(field(objectiveObj, 'name', 'learner.objective'));
  const info = OBJECTIVES[objective];
  if (!info) fail(`objective "${objective}" is not supported (supported: ${Object.keys(OBJECTIVES).join(', ')})`);

  const numFeatures = intParam(params, 'num_feature');
  if (numFeatures < 1) fail('num_feature is 0');
  const numClassRaw = intParam(params, 'num_class', 0);
  const numTarget = intParam(params, 'num_target', 1);
  const isMulti = info.transform === 'softprob' || info.transform === 'softmax';
  if (isMulti && numClassRaw < 2) fail(`${objective} needs num_class ≥ 2, the model has ${numClassRaw}`);
  const numOutputs = Math.max(numClassRaw, numTarget, 1);
  const numClass = Math.max(numClassRaw, 1);

  const baseScore = parseBaseScore(params.base_score);
  if (baseScore.length !== 1 && baseScore.length !== numOutputs) {
    fail(`base_score has ${baseScore.length} values for ${numOutputs} output(s)`);
  }
  const baseMargin = new Float64Array(numOutputs);
  for (let o = 0; o < numOutputs; o++) {
    baseMargin[o] = marginOf(baseScore.length === 1 ? baseScore[0] : baseScore[o], info.link, objective);
  }

  const booster = objectField(learner, 'gradient_booster', 'learner');
  const kind = String(field(booster, 'name', 'gradient_booster'));
  let forest: Forest | undefined;
  let linear: Linear | undefined;
  if (kind === 'gbtree') {
    forest = compileForest(booster, numFeatures, numOutputs, undefined);
  } else if (kind === 'dart') {
    const inner = objectField(booster, 'gbtree', 'dart booster');
    const weights = Array.isArray(booster.weight_drop)
      ? numberArray(booster, 'weight_drop', 'dart booster')
      : undefined;
    forest = compileForest(inner, numFeatures, numOutputs, weights);
  } else if (kind === 'gblinear') {
    linear = compileLinear(booster, numFeatures, numOutputs);
  } else {
    fail(`gradient booster "${kind}" is not supported (gbtree, dart, gblinear)`);
  }
  return new CompiledModel(objective, numFeatures, numClass, info.transform, baseMargin, forest, linear);
}
