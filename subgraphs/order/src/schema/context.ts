/** What every resolver of the order subgraph gets: who is asking, the loaders, the services. */
import type { Viewer } from '../../../../common/identity';
import type { CheckoutService } from '../checkout.service';
import type { InventoryService, OrderContext } from '../inventory.service';
import type { OrderService } from '../order.service';

export interface OrderSubgraphContext extends OrderContext {
  inventory: InventoryService;
  orders: OrderService;
  checkout: CheckoutService;
  viewer: Viewer;
  /** The client's address as the gateway saw it; null when unknown. */
  clientIp: string | null;
}
