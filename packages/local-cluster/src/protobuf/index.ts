/**
 * Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), which kubectl and
 * client-go typed clients send for built-in kinds: decoded into the JSON object the API server works
 * with. Message definitions come from `data/protobuf-messages.json`
 * (`scripts/generate-protobuf-descriptors.js`).
 */
export { decodeKubernetesProtobuf, isProtobufContentType, KUBERNETES_PROTOBUF } from './decode.js';
export type { ExpectedType } from './decode.js';
export { messageNameFor, protobufMessagesSource } from './messages.js';
export { formatGoDuration } from './go-formats.js';
