// The whole data model. One file per feature; every table is exported from here.
export * from './system';
export * from './supporters';
export * from './giving';
export * from './billing';
export * from './staff';
export * from './me';
export * from './finance';
export * from './newsletters';
export * from './annual-reports';
