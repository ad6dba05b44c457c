//! Evaluator (stub).
use super::*;
use std::rc::Rc;
pub enum Function {
    Host { name: String, id: u32 },
}
pub struct State {
    pub globals: TableRef,
}
impl State {
    pub fn new(_seed: u64) -> State {
        State { globals: TableRef(Rc::new(RefCell::new(Table::default()))) }
    }
}
pub fn make_main_closure(_p: Rc<parse::Proto>) -> Value {
    Value::Nil
}
pub async fn run_task(_st: Rc<State>, _f: Value, _args: Vec<Value>) -> Result<Vec<Value>, LuaError> {
    Err(LuaError::msg("not yet"))
}
pub fn resume(_lua: &mut Lua, _task: &mut Task, _host: &mut dyn Host, _fuel: u64) -> Resume {
    Resume::Done(Err(LuaError::msg("not yet")))
}
