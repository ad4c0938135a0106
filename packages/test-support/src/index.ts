export * from './images';
export * from './paths';
