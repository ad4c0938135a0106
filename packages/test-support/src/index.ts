export * from './csv';
export * from './images';
export * from './paths';
export * from './records';
export * from './servers';
