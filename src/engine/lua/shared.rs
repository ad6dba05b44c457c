//! Thread-safe stand-ins for Rc/RefCell/Cell with the same method names, so that `Lua`,
//! `Value` and `Task` are `Send` (the native server shares the engine across connection
//! threads behind a mutex). The interpreter only ever runs on one thread at a time, so the
//! locks are uncontended; a poisoned lock is simply taken over.

use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub use std::sync::Arc as Rc;
pub use std::sync::Weak;

/// An RwLock with RefCell's method names.
#[derive(Default)]
pub struct RefCell<T>(RwLock<T>);

impl<T> RefCell<T> {
    pub fn new(v: T) -> RefCell<T> {
        RefCell(RwLock::new(v))
    }
    pub fn borrow(&self) -> RwLockReadGuard<'_, T> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }
    pub fn borrow_mut(&self) -> RwLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }
    pub fn try_borrow_mut(&self) -> Result<RwLockWriteGuard<'_, T>, ()> {
        self.0.try_write().map_err(|_| ())
    }
    pub fn into_inner(self) -> T {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// A Mutex with Cell's method names (for Copy values).
#[derive(Default)]
pub struct Cell<T: Copy>(Mutex<T>);

impl<T: Copy> Cell<T> {
    pub fn new(v: T) -> Cell<T> {
        Cell(Mutex::new(v))
    }
    pub fn get(&self) -> T {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn set(&self, v: T) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = v;
    }
}

/// A Mutex with RefCell's `borrow_mut` (for values that are Send but not Sync).
#[derive(Default)]
pub struct MutCell<T>(Mutex<T>);

impl<T> MutCell<T> {
    pub fn new(v: T) -> MutCell<T> {
        MutCell(Mutex::new(v))
    }
    pub fn borrow_mut(&self) -> std::sync::MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

macro_rules! atomic_cell {
    ($name:ident, $t:ty, $a:ty) => {
        /// A lock-free Cell for a hot counter.
        #[derive(Default)]
        pub struct $name($a);
        impl $name {
            pub fn new(v: $t) -> $name {
                $name(<$a>::new(v))
            }
            pub fn get(&self) -> $t {
                self.0.load(std::sync::atomic::Ordering::Relaxed)
            }
            pub fn set(&self, v: $t) {
                self.0.store(v, std::sync::atomic::Ordering::Relaxed)
            }
        }
    };
}
atomic_cell!(U64Cell, u64, std::sync::atomic::AtomicU64);
atomic_cell!(U32Cell, u32, std::sync::atomic::AtomicU32);
atomic_cell!(UsizeCell, usize, std::sync::atomic::AtomicUsize);
