//! A fixed-capacity list: what lets every builder live on the stack with no allocator.

/// Up to `N` items, stored inline. Items are `Copy` (borrowed strings and small structs), so
/// the unused slots simply hold defaults.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixedList<T: Copy + Default, const N: usize> {
    items: [T; N],
    len: usize,
    /// Set when a push did not fit; reported as
    /// [`MintError::CapacityExceeded`](crate::MintError::CapacityExceeded) when the token is
    /// minted, so builder chains stay simple.
    pub(crate) overflowed: bool,
}

impl<T: Copy + Default, const N: usize> FixedList<T, N> {
    pub(crate) fn new() -> Self {
        FixedList {
            items: [T::default(); N],
            len: 0,
            overflowed: false,
        }
    }

    pub(crate) fn push(&mut self, item: T) {
        match self.items.get_mut(self.len) {
            Some(slot) => {
                *slot = item;
                self.len += 1;
            }
            None => self.overflowed = true,
        }
    }

    #[allow(clippy::expect_used)]
    pub(crate) fn as_slice(&self) -> &[T] {
        // `push` only counts what it stored.
        self.items
            .get(..self.len)
            .expect("len never exceeds the capacity")
    }

    #[allow(clippy::expect_used)]
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        self.items
            .get_mut(..self.len)
            .expect("len never exceeds the capacity")
    }

    /// `Ok`, or the error naming this list (`what`) if a push did not fit.
    pub(crate) fn check(&self, what: &'static str) -> Result<(), crate::MintError> {
        if self.overflowed {
            Err(crate::MintError::CapacityExceeded { list: what })
        } else {
            Ok(())
        }
    }
}

impl<T: Copy + Default, const N: usize> Default for FixedList<T, N> {
    fn default() -> Self {
        Self::new()
    }
}
