//! A series of nights: the same people, their registers as they stand each night. What
//! changes between nights is drawn from each child's own random stream, so that everything
//! else is written as on the first night.

use super::World;
use sanku::ground::rng::Rng;

impl World<'_> {
    /// A random stream of one child's own, for what changes from night to night.
    pub(super) fn child_rng(&self, id: &str, stream: u64) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in id.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng::new(self.options.seed ^ h ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    /// Whether a child out of school on the first night (`out`) is out on tonight's: each
    /// later night a dropout returns, or a pupil drops out, at the series' rates.
    pub(super) fn out_tonight(&self, id: &str, mut out: bool) -> bool {
        let mut rng = self.child_rng(id, 1);
        let rates = &self.options.rates;
        for _ in 1..self.options.night {
            let u = rng.unit();
            out = if out {
                u >= rates.returns
            } else {
                u < rates.new_dropouts
            };
        }
        out
    }

    /// Whether a child out of school on the first night (`out`) or on a later one before
    /// tonight is in school tonight: brought back, its case closed as returned.
    pub(super) fn back_tonight(&self, id: &str, mut out: bool) -> bool {
        let mut rng = self.child_rng(id, 1);
        let rates = &self.options.rates;
        let mut was_out = false;
        for _ in 1..self.options.night {
            was_out |= out;
            let u = rng.unit();
            out = if out {
                u >= rates.returns
            } else {
                u < rates.new_dropouts
            };
        }
        was_out && !out
    }
}
