export {
  RootCaPublisher,
  DefaultServiceAccountController,
  ROOT_CA_CONFIG_MAP,
  DEFAULT_SERVICE_ACCOUNT,
} from './namespace-contents.js';
