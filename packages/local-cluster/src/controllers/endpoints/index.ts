/** The Endpoints and EndpointSlice controllers of the local cluster. */
export {
  EndpointsController,
  EndpointSliceController,
  SERVICE_NAME_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_CONTROLLER,
} from './endpoints-controller.js';
