// The system tests (`npm run test:system`): the project's Jest settings, on test/system only, one file at a time.
const base = require('../../package.json').jest;

module.exports = { ...base, rootDir: '../..', roots: ['<rootDir>/test/system'], testPathIgnorePatterns: ['/node_modules/'], maxWorkers: 1 };
