/** The operator's entry point (`node dist/main.js`, the image's ENTRYPOINT, what `opkit dev` runs). */
import { runEtcdOperator } from './operator.js';

await runEtcdOperator();
