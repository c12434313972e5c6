/**
 * What `import type … from 'mo-train'` gives a module author: the types of an experiment module.
 * Types only: mo-train hands a module its `tf`, so a module needs nothing from here at run time.
 * (The CLI is the `mo-train` bin; this entry point exists for the declarations.)
 */
export type {
  ExperimentModule,
  FunctionalLossArgs,
  FunctionalModule,
  LayersModelLossArgs,
  LayersModelModule,
  ModuleLossArgs,
  ModuleSetupArgs,
  TensorRecord,
  Tf,
} from './experiment/module-types.js';
