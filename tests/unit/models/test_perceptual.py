"""models.perceptual: the perceptual loss reads VGG files in torchvision's layout."""


def test_perceptual_loss_reads_torchvision_vgg_layout(tmp_path):
    import torch

    from models.perceptual import VGGPerceptualLoss
    # torchvision vgg16 `features` conv indices and channel counts, classifier keys too.
    convs = [(0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128), (10, 128, 256), (12, 256, 256),
             (14, 256, 256), (17, 256, 512), (19, 512, 512), (21, 512, 512), (24, 512, 512),
             (26, 512, 512), (28, 512, 512)]
    sd = {}
    for i, cin, cout in convs:
        sd[f"features.{i}.weight"] = torch.randn(cout, cin, 3, 3) * 0.01
        sd[f"features.{i}.bias"] = torch.zeros(cout)
    sd["classifier.0.weight"] = torch.zeros(4, 4)
    torch.save(sd, tmp_path / "vgg16.pth")
    loss = VGGPerceptualLoss(tmp_path / "vgg16.pth")
    assert loss.arch == "vgg16"
    a = torch.rand(1, 3, 32, 32) * 2 - 1
    assert float(loss(a, a)) == 0.0 and float(loss(a, -a)) > 0
