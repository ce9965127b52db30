import { describe, expect, it } from '@jest/globals';
import { placeholder } from './index.js';
describe('smoke', () => {
  it('loads', () => expect(placeholder).toBe(true));
});
