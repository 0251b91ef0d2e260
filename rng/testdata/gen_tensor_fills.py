"""Reference values for rng's tensor-level fills on non-contiguous views.
Run with Debian's PyTorch 1.13.1: /usr/bin/python3 gen_tensor_fills.py > tensor_fills.json
Each case fills a view in place and records the whole storage (float32 bits, row-major)."""
import json, struct, torch

def bits(t):
    return ['%08x' % struct.unpack('<I', struct.pack('<f', v))[0] for v in t.reshape(-1).tolist()]

cases = []
torch.manual_seed(0); a = torch.empty(5, 4); a.t().normal_()
cases.append({"what": "empty(5,4).t().normal_()", "seed": 0, "storage_shape": [5, 4], "bits": bits(a)})
torch.manual_seed(0); a = torch.empty(6, 5); a.t().uniform_(-1, 2)
cases.append({"what": "empty(6,5).t().uniform_(-1,2)", "seed": 0, "storage_shape": [6, 5], "bits": bits(a)})
torch.manual_seed(0); a = torch.empty(3, 4, 5); a.permute(2, 0, 1).normal_()
cases.append({"what": "empty(3,4,5).permute(2,0,1).normal_()", "seed": 0, "storage_shape": [3, 4, 5], "bits": bits(a)})
torch.manual_seed(7); a = torch.randn(4, 5)
cases.append({"what": "randn(4,5)", "seed": 7, "storage_shape": [4, 5], "bits": bits(a)})
torch.manual_seed(7); a = torch.rand(3, 3)
cases.append({"what": "rand(3,3)", "seed": 7, "storage_shape": [3, 3], "bits": bits(a)})
print(json.dumps({"torch_version": torch.__version__, "cases": cases}, indent=1))
