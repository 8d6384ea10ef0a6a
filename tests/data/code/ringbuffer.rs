//! A fixed-capacity ring buffer that overwrites its oldest element when full.

use std::fmt;

pub struct Ring<T> {
    slots: Vec<Option<T>>,
    head: usize,
    len: usize,
}

impl<T> Ring<T> {
    pub fn with_capacity(capacity: usize) -> Self {
        assert!(capacity > 0, "a ring needs room for at least one element");
        let mut slots = Vec::with_capacity(capacity);
        slots.resize_with(capacity, || None);
        Ring { slots, head: 0, len: 0 }
    }

    /// Adds `value` at the back; returns the element it displaced, if the ring was full.
    pub fn push(&mut self, value: T) -> Option<T> {
        let capacity = self.slots.len();
        let tail = (self.head + self.len) % capacity;
        let displaced = self.slots[tail].replace(value);
        if self.len == capacity {
            self.head = (self.head + 1) % capacity;
        } else {
            self.len += 1;
        }
        displaced
    }

    pub fn pop_front(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let value = self.slots[self.head].take();
        self.head = (self.head + 1) % self.slots.len();
        self.len -= 1;
        value
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        (0..self.len).filter_map(move |i| self.slots[(self.head + i) % self.slots.len()].as_ref())
    }
}

impl<T: fmt::Display> fmt::Display for Ring<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[")?;
        for (i, value) in self.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{}", value)?;
        }
        write!(f, "]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overwrites_the_oldest() {
        let mut ring = Ring::with_capacity(2);
        ring.push(1);
        ring.push(2);
        assert_eq!(ring.push(3), Some(1));
        assert_eq!(ring.to_string(), "[2, 3]");
    }
}
