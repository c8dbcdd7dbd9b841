static ORDERS: tallyho::Counter = tallyho::Counter::new("orders-processed");

fn main() {
    ORDERS.increment();
}
