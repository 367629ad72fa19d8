/**
 * The options every teacher-distilled trainer declares alike (student, supervoxel): the teacher,
 * the subject split, validation and checkpoint cadence, and the seed. Only the defaults differ
 * between engines, so each trainer passes its own and spreads the result into its schema.
 */
import { option } from './options.js';

export interface TeacherTrainingDefaults {
  maxTraining: number;
  validationFraction: number;
  validateEvery: number;
  /** What the seed drives in this trainer (for the option's description). */
  seedDescription: string;
}

export function teacherTrainingOptions(d: TeacherTrainingDefaults) {
  return {
    teacherModel: option.path({ description: 'gn model folder of the teacher (default: MIND-SSC gn)' }),
    teacherDir: option.path({ description: 'teacher field cache (default MODEL_DIR/teacher)' }),
    maxTraining: option.integer({ description: 'training subjects used (the first N)', default: d.maxTraining, min: 1, max: 1e6 }),
    validationFraction: option.number({
      description: 'share of the labelled scans held out (the last ones by name)',
      default: d.validationFraction,
      min: 0.01,
      max: 0.9,
    }),
    maxValidation: option.integer({ description: 'held-out subjects that choose the best model', default: 20, min: 1, max: 10000 }),
    validateEvery: option.integer({
      description: 'validate every N iterations (and at the end)',
      default: d.validateEvery,
      min: 1,
      max: 1e6,
    }),
    checkpointEvery: option.integer({ description: 'write checkpoint/ every N iterations', default: 25, min: 1, max: 1e6 }),
    seed: option.integer({ description: d.seedDescription, default: 1, min: 0, max: 2 ** 31 }),
  };
}

/** The split options above. */
export interface SubjectSplit {
  validationFraction: number;
  maxTraining: number;
  maxValidation: number;
}

/**
 * The labelled scans (sorted by name, as listScans lists them) split as every teacher-distilled
 * trainer splits them: the last `validationFraction` held out (at least one), the first
 * `maxTraining` of the others trained on, the first `maxValidation` held ones validating.
 */
export function splitSubjects<S>(labelled: readonly S[], o: SubjectSplit): { training: S[]; held: S[]; validation: S[] } {
  const nVal = Math.max(1, Math.round(o.validationFraction * labelled.length));
  const held = labelled.slice(labelled.length - nVal);
  return { training: labelled.slice(0, labelled.length - nVal).slice(0, o.maxTraining), held, validation: held.slice(0, o.maxValidation) };
}

/**
 * The teacher of every teacher-distilled trainer: gn, with the learned model of --teacher-model
 * where one is named (the training-run controller caches its fields per template and teacher).
 */
export function gnTeacher(o: { teacherModel?: string }): { engine: string; options: Record<string, unknown> } {
  return { engine: 'gn', options: o.teacherModel ? { model: o.teacherModel } : {} };
}
