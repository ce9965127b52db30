/** Every controller the manager runs. `opkit create api` adds new ones between the markers. */
import type { ControllerBlueprint } from '@opkit/core';
// opkit:controller-imports

export const controllers: ControllerBlueprint[] = [
  // opkit:controller-list
];
