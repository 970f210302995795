#!/usr/bin/python3
"""Builds a second labelled passport-photo corpus, made independently of
photo-corpus.py and by another method, for the same evaluator
(photo-eval.py --generator photo-corpus2.py).

Method:
- Source faces: real photographs that Debian ships with dlib's examples
  (libdlib19.1, pulled in by libdlib-dev: examples/faces/bald_guys.jpg, a
  collage of press photos). Ten frontal faces with a neutral expression
  and three smiling ones (used only where the covering is the defect) of
  four men of light to dark skin. Their 68 landmarks were measured once
  with dlib's shape predictor (libdlib-data) and are stored below, so
  generating needs no dlib binding. The image is read at generation time;
  nothing derived from it is committed.
- Head: the face is cut along its own jaw contour (landmarks 0-16) and a
  forehead arc above the brows, aligned on the eyes (the source's roll
  removed) and set into a skull ellipse whose skin colour and shading
  are taken from the source forehead, lit by the scene's key light.
  Heads are then rolled as a whole (face, skull, hair and covering)
  about the eye midpoint; the neck and shoulders stay upright.
- Coverings are outlines (closed Catmull-Rom splines through control
  points in eye-distance units, hung on the landmarks: jaw line, brows,
  chin) with a face opening: a tight hijab wrapped under the chin and
  draped over the shoulders, a loose scarf open at the neck showing the
  front hair, a turban wound above the forehead with pleats meeting in a
  V, and a cap (kufi) on the crown. The fabric is shaded by a pseudo
  normal (the covering's dome or drape, bent by folds: crease lines in
  ambient occlusion) under the key light; patterns (stripes, gingham
  checks, a floral print, polka dots, a contrasting under-scarf band)
  are laid in fabric coordinates that the folds displace.
- Hair is painted strand by strand (quadratic Bezier strokes flowing from
  the crown) over a base mass: short, thin and receding, curly, or long;
  black to blond and red, grey, salt-and-pepper, silver and white.
- Scene and camera: a paper backdrop lit by a key light (gradient and a
  soft hot spot) with the subject's cast shadow; light composed in linear
  RGB, a residual white-balance error, exposure, vignetting, shot and
  read noise, lens blur, sRGB encoding and JPEG at quality 72-95 with
  4:2:0 or 4:4:4 chroma. Portrait 960 x 1280 frames (the first corpus
  uses landscape 1350 x 900).
- Expression: closed eyes by pulling the upper-lid skin down over the eye
  (a per-column remap between the brow and the lower lid) and drawing a
  lash line; an open mouth by dropping the lower jaw (the lower lip and
  chin displaced, the cheeks stretched) and filling the gap with the
  mouth cavity and upper teeth.

Each image gets the label photo-eval.py reads (file, background,
category, compliant, expected codes, declared, light_covering, covering,
hair) and a few more (patterned, shape, roll, source). The calibration
frame is the empty backdrop under the same light and camera.

Usage: photo-corpus2.py OUTDIR [--scale N] [--seed S]
Exits 77 when numpy, PIL or the source image is missing.
"""
import argparse
import glob
import json
import math
import os
import sys

try:
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter
except ImportError:
    print("photo-corpus2: needs python3-numpy and python3-pil", file=sys.stderr)
    sys.exit(77)

SOURCE_GLOB = "/usr/share/doc/libdlib*/examples/faces/bald_guys.jpg"

# dlib's 68 landmarks on bald_guys.jpg (x,y in source pixels).
LANDMARKS = {
    "vin_a": "69.5,134 71.5,154.5 74.5,175 77,195.5 83.5,215 94,232.5 108.5,248 126.5,259 149.5,262 172.5,258.5 191.5,247.5 207,231 217.5,212 223.5,190 225.5,168 226,146.5 226.5,124.5 81.5,120.5 88,109.5 99.5,104.5 113,104.5 126,108.5 158,107 171,100.5 184.5,98.5 198,103 206.5,114 144,123 144.5,137 144.5,150.5 144.5,165 128.5,175.5 137,177.5 146.5,179.5 155.5,177 164.5,173.5 97.5,129 105,122.5 115,121.5 123.5,127.5 115,129.5 105.5,130.5 167,125 175.5,118.5 185,118 193,123.5 185.5,126 176,126 117,205 127.5,200 138,197.5 146.5,199.5 155,197 166.5,200 178.5,205 167.5,214 156,218.5 147.5,219.5 138,218.5 128,214 122,205.5 137.5,204.5 147,206 155,204.5 174,205 155.5,207 147,208 138,206.5",
    "vin_b": "59.5,435 59.5,456 61.5,477.5 63.5,499.5 67.5,520.5 77,540.5 91,556.5 108.5,569 132.5,574 156.5,572 176,562 192.5,548 204,530.5 210.5,510 214.5,489 219.5,468 222.5,446.5 75.5,414.5 86,403.5 100,399.5 115,400.5 129,406 159,407.5 174.5,403.5 190,405 203,412 210,425 144,422 143.5,435 143,448 142,461.5 123.5,475.5 131.5,478 139.5,481 148,480 155.5,478.5 91.5,427.5 100,423 110,423 119,428.5 109.5,431 99.5,431 165.5,432 175,428 185,429.5 193,435.5 184,437.5 174.5,436 102.5,509.5 115,501.5 127,498.5 136.5,502 146,500.5 157.5,506.5 168.5,516 156,523 144,525.5 134,525 124,523 112.5,517.5 108,509.5 126,508.5 136,510.5 146,510.5 163,515.5 145,512 135,512 125,509.5",
    "vin_c": "562,501.5 565,524.5 569,546.5 575,569 585,589.5 599.5,606 617.5,620.5 638.5,630.5 662,632 684.5,625.5 701.5,611.5 715.5,593.5 725.5,573 731,550 731.5,526 731.5,502.5 729.5,478.5 574,482 580,467.5 593.5,459.5 609.5,457 624,460 661,455.5 674.5,448.5 689.5,446.5 704,451.5 712,463.5 647,475.5 649,489.5 651.5,503.5 653.5,517.5 634.5,531 644,533 654,534.5 663.5,531 672,527.5 595.5,488.5 603.5,482 613.5,480.5 623.5,485 615,487.5 605,489.5 669.5,479 677.5,473 687,472 695.5,475.5 688.5,478.5 679,479.5 621,566 633.5,558.5 645.5,555.5 654.5,557 663.5,554.5 675.5,556.5 688.5,561.5 677.5,573.5 666,579 656.5,580.5 647,580 634,576 626,566 646,561.5 655,562 664.5,560 683,562.5 664.5,569 655.5,570.5 646,570",
    "bruce_a": "768,884 771,908 774.5,931.5 779.5,955 788,977 802.5,996 822,1011 844.5,1022 869.5,1025 893.5,1019.5 912,1005.5 926,987 935.5,965.5 940,942 941.5,918 942.5,895 942,871.5 790.5,867 800,855 815.5,849.5 832.5,849 848.5,853.5 874.5,851 889,845 904.5,843 919.5,845.5 929,855.5 863.5,866 865,880 866.5,894.5 867.5,909.5 849.5,922.5 858,925 867.5,927 875.5,924.5 883,921.5 809.5,873 818,866.5 828.5,865 838,871 829,873.5 818.5,875 885.5,868 894.5,860.5 904.5,859.5 913.5,865 906,868 895.5,868.5 833.5,957.5 846.5,954.5 858,952.5 866,954.5 873.5,952 885,953 897,955 886,964.5 875.5,968.5 867,969.5 858.5,969 846.5,966 838,957.5 858,958 866.5,959 874.5,957.5 892.5,956 874,959 866.5,960 858,959.5",
    "bruce_b": "766,1278.5 762.5,1303 759.5,1327.5 759.5,1352.5 766.5,1376 779,1397 795,1417 814.5,1434.5 837,1441.5 859.5,1440.5 878.5,1428 895.5,1412.5 909.5,1395.5 917.5,1375 922,1354 927.5,1333.5 932,1312.5 799.5,1278 813.5,1273 829,1273 844.5,1277.5 858,1284.5 883,1288.5 897.5,1287 911.5,1287.5 924,1291 930.5,1301 869.5,1298 868,1312.5 867,1327.5 865.5,1343 843,1348.5 851.5,1353 860,1357.5 868.5,1356.5 876,1353.5 816,1290 825.5,1288.5 835,1289.5 842,1295 833,1295 824,1293.5 887,1302 897,1299 905.5,1300.5 912.5,1306 904,1307 895.5,1304.5 817.5,1375 832.5,1377.5 846,1378.5 854.5,1382.5 862.5,1381 871.5,1383 879,1385.5 869,1394 859,1395.5 850.5,1395.5 841,1393.5 829,1388 823,1377.5 844.5,1384 853.5,1386.5 861.5,1386.5 874,1386.5 861,1386 852.5,1386 843.5,1384",
    "bruce_c": "54,1033 54,1053 55,1072 57.5,1091.5 65.5,1109.5 79,1124 95,1136 112.5,1145 131,1148 148.5,1145 162.5,1136 174,1123.5 182,1108.5 186.5,1091.5 188.5,1074 190.5,1056.5 192,1039.5 81,1022.5 92,1016 105,1014 118,1015.5 130,1019 146,1019 157.5,1016.5 169,1015.5 179.5,1018.5 185.5,1026 139,1027.5 139.5,1038 140,1048.5 140.5,1060 122.5,1070 129.5,1072.5 137,1074.5 143.5,1073.5 149,1071.5 94.5,1029.5 102.5,1025.5 110,1025.5 117,1030.5 109.5,1031 102,1031 152.5,1031.5 160,1026.5 167.5,1027 174,1031.5 167.5,1033 160,1032.5 105,1098 117.5,1096 127,1094.5 134,1096.5 140,1095 148,1098 156,1101.5 147,1106 139.5,1107.5 132.5,1108 125.5,1107 116,1104 109,1098.5 127,1099 133.5,1100 140,1099.5 152,1101.5 139.5,1101 133,1101.5 126.5,1100.5",
    "jason_a": "70,748.5 70.5,769 73,788.5 75.5,808.5 80,828.5 89.5,846 103,861.5 119.5,873 139.5,877 161.5,874.5 181.5,863.5 199,848.5 210,830 215.5,809 218.5,788 220.5,767.5 222,746.5 79.5,739.5 87.5,730 100.5,727 115,727 129,729 146,729.5 162,728 178,728.5 193,733 204,742 136.5,740 135.5,752.5 134.5,765.5 133.5,779 121,789.5 127.5,792 134.5,794.5 143,792.5 151,791 94.5,744 102,738 111.5,737.5 120.5,745 111,746 101.5,746.5 158.5,745.5 167,739 177,739.5 185.5,745 177,747.5 167.5,747.5 110,819.5 118.5,815.5 128,813 135,815 142.5,813.5 154,816.5 166.5,821 154.5,827 143,828.5 135.5,829 128,828 119,825 114,819.5 128,819.5 135.5,820.5 142.5,820 162,820.5 142.5,820.5 135.5,821 128,820",
    "jason_b": "878,471.5 880,492.5 885.5,514 891.5,534.5 897,555 907.5,573.5 922.5,588 940.5,596.5 962.5,598 984.5,594.5 1004.5,585.5 1022,572.5 1033.5,553.5 1038,531.5 1039.5,508.5 1041.5,485 1042,461.5 884,454 891,440.5 905,434 921,432.5 937,435 957,433 974,427 992.5,426.5 1009.5,431 1022.5,442.5 946.5,446 947,460 947,473.5 947,488 935.5,505 942.5,507 951,508 959.5,505 968,502 900,459 908.5,452 919,450.5 929.5,457 919.5,460 908.5,461 973,453 982.5,445 993.5,444.5 1003.5,450.5 994.5,454 983.5,454.5 928.5,542 937,533 945.5,527.5 953,529 961,526 973.5,530 987.5,536 976,542 965,545 956.5,546 948.5,546.5 939.5,545.5 933.5,541 946.5,535 954,535.5 962,533.5 982,536 963,534.5 955,536 947.5,535.5",
    "jason_c": "389,877 387,907.5 388.5,938.5 390.5,972 396.5,1003.5 411.5,1031.5 432.5,1055 455,1073.5 484.5,1079.5 513,1077.5 539.5,1063 562.5,1044 581.5,1020.5 593,993.5 601,966 608.5,936.5 613.5,907.5 414,864 430,852.5 450.5,850.5 471.5,855.5 492,864 519,869 542,865 564.5,865.5 585.5,871.5 600,887.5 504.5,882 502.5,901.5 500.5,921 498,942 473.5,952.5 484,956.5 495.5,960.5 507,959.5 518,957.5 436.5,876 448.5,870 462.5,871 473.5,881.5 460,883.5 446,882 533,890.5 546.5,884 561,886 571.5,894.5 559.5,897 545.5,895 452.5,997 467,991.5 481,987 491.5,991.5 502.5,989.5 517,996.5 532,1006 515.5,1014.5 501,1016 489.5,1015.5 478,1013.5 465,1007 459,997.5 480,997.5 491,1000 501.5,999.5 526.5,1005 502,1000.5 491.5,1001 480.5,998.5",
    "jason_d": "881.5,143.5 881.5,166.5 884,189 886.5,211 890.5,233 901,253.5 915.5,271.5 932,286.5 952,291 972.5,288.5 990.5,276 1005.5,259 1018,240 1024,218.5 1028,197 1033,175 1036,153.5 893.5,149 903,141 917,141 931,144.5 944.5,149.5 965.5,152.5 981,149 996.5,147 1012.5,148 1024,156.5 956,160 955.5,175.5 955,191 954.5,206.5 938,210.5 945,214 953.5,217.5 961.5,215 969,212 909.5,156 917.5,152 928,152.5 936,159.5 926.5,161 916.5,160.5 978,162 987,157 997,157.5 1005,161.5 997,165.5 987.5,164.5 925,236.5 934.5,235.5 943.5,234.5 951,237 958.5,235 968.5,237.5 979.5,239 968,245 958.5,247 950.5,247.5 942.5,246 934,242.5 929,237 943.5,239.5 951,241 958.5,240 975.5,239.5 958.5,239.5 951,240 943.5,238.5",
    "dwayne_a": "1084,1359.5 1083.5,1381.5 1084,1403.5 1085,1427 1090.5,1449.5 1102,1468.5 1116,1485.5 1133,1499.5 1156,1503.5 1180.5,1500 1203.5,1488.5 1222.5,1472.5 1238,1454.5 1245,1432 1247.5,1409 1249.5,1386.5 1251,1364.5 1097.5,1346.5 1106,1335.5 1120,1331 1134.5,1332 1148,1337.5 1174,1340.5 1188.5,1335 1204.5,1335 1219,1340 1230,1350.5 1159.5,1354.5 1158,1369 1156.5,1384 1155,1399.5 1138.5,1408.5 1147,1411 1156.5,1414.5 1167,1411 1177,1408.5 1111.5,1354.5 1120,1350.5 1130.5,1351 1139,1358.5 1129,1360 1119,1359 1183.5,1360 1193,1353.5 1203.5,1353.5 1212,1359.5 1203.5,1362 1193.5,1362 1117.5,1430 1132,1427.5 1146.5,1427 1158,1429 1170,1427 1186.5,1428.5 1204,1431 1187.5,1447 1171,1454 1158,1455 1145.5,1453 1131,1444.5 1123,1432 1146.5,1432 1158,1433.5 1170,1432.5 1199,1432.5 1171,1445 1158.5,1446 1146.5,1444",
    "bruce_smile": "1055.5,809 1056.5,835 1058.5,860 1062.5,885 1070.5,909.5 1083,931 1099,949.5 1119,964 1143,968.5 1168.5,964.5 1190.5,952 1209,935.5 1224,915.5 1233.5,892 1237.5,866 1240.5,840.5 1243.5,814 1076,791.5 1088.5,783.5 1104,783 1119,785.5 1132.5,791 1158,791 1173,786 1188,784 1202.5,785.5 1213,794.5 1145,804.5 1144.5,819 1144,833.5 1143.5,849 1124,859 1133.5,862.5 1143,865.5 1153.5,863 1163,860 1093,807.5 1101.5,803 1111.5,803.5 1121,808.5 1111,809.5 1101.5,809.5 1168.5,808.5 1177,802.5 1186.5,803 1196,807.5 1187,809 1178,809.5 1105.5,890.5 1118.5,886.5 1132.5,886 1142.5,888 1153.5,886.5 1167.5,888 1181.5,892.5 1168,907.5 1153,912.5 1141.5,913 1131,912 1117.5,906.5 1110,891.5 1132,891 1142.5,892.5 1153.5,892 1177.5,893 1153,903 1142,903.5 1131.5,902",
    "dwayne_b": "1470.5,167 1464,204 1458,242.5 1456,282 1459.5,322 1473.5,360 1496.5,393.5 1524,419 1561.5,432 1603,433 1640.5,417.5 1671.5,393 1696.5,363 1713,330.5 1725,295 1734,261 1742,226.5 1508,153.5 1528,138.5 1553.5,137.5 1578,144.5 1598.5,158 1634.5,167 1660.5,164.5 1687,169.5 1709.5,183.5 1720.5,205 1612,186 1608,208.5 1603.5,230.5 1599.5,254 1561,266.5 1576,273 1591.5,281 1610,279.5 1627,278 1528.5,176.5 1544,171 1559.5,174.5 1573,187 1557.5,185.5 1541.5,182.5 1642.5,204 1660.5,198 1676.5,203 1689,214.5 1674,214.5 1657.5,210.5 1520,299.5 1546.5,297 1570.5,299.5 1587,306.5 1607,306.5 1629.5,314 1652,324.5 1624,344.5 1599.5,349.5 1578.5,347 1560.5,340.5 1539.5,325.5 1527.5,303.5 1568,308.5 1585,313.5 1605,315 1644.5,324.5 1602.5,333 1582.5,331.5 1564.5,325.5",
}
# Frontal, eyes open, mouth closed: usable for compliant photos.
NEUTRAL = ["vin_a", "vin_b", "vin_c", "bruce_a"]
# Smiling with teeth, turned by 12-25 degrees, soft, or lit from the side
# in the original (the validator rightly says so): only where a covering
# is the defect under test.
OTHER = ["dwayne_a", "bruce_smile", "dwayne_b", "bruce_b", "bruce_c", "jason_a", "jason_b",
         "jason_c", "jason_d"]

W, H = 960, 1280
YY, XX = np.mgrid[0:H, 0:W].astype(np.float32)


def lin(srgb):
    """sRGB 0-255 (scalar, tuple or array) -> linear 0-1."""
    c = np.asarray(srgb, np.float32) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


_LUT = np.linspace(0, 1, 4096, dtype=np.float64)
_LUT = np.clip(255 * np.where(_LUT <= 0.0031308, _LUT * 12.92, 1.055 * _LUT ** (1 / 2.4) - 0.055)
               + 0.5, 0, 255).astype(np.uint8)


def to_srgb8(linear):
    """Linear 0-1 -> sRGB bytes through a table (12-bit linear steps)."""
    return _LUT[np.clip(linear * 4095 + 0.5, 0, 4095).astype(np.int32)]


def spline(points, closed=True, n=10):
    """Catmull-Rom spline through control points -> dense outline."""
    p = np.asarray(points, np.float64)
    m = len(p)
    out = []
    last = m if closed else m - 1
    for i in range(last):
        p0, p1 = p[(i - 1) % m], p[i]
        p2, p3 = p[(i + 1) % m], p[(i + 2) % m]
        if not closed:
            p0 = p[max(i - 1, 0)]
            p3 = p[min(i + 2, m - 1)]
        for t in np.linspace(0, 1, n, endpoint=False):
            t2, t3 = t * t, t * t * t
            out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2
                              + (-p0 + 3 * p1 - 3 * p2 + p3) * t3))
    if not closed:
        out.append(p[-1])
    return np.array(out)


def poly_mask(pts, feather=0.0):
    """Anti-aliased filled polygon (canvas pixel coordinates) as a 0-1 mask."""
    ss = 2
    img = Image.new("L", (W * ss, H * ss), 0)
    ImageDraw.Draw(img).polygon([(float(x) * ss, float(y) * ss) for x, y in pts], fill=255)
    img = img.resize((W, H), Image.BOX)
    if feather > 0.5:
        img = img.filter(ImageFilter.GaussianBlur(feather))
    return np.asarray(img, np.float32) / 255.0


def blur(a, sigma):
    """Gaussian blur of a 0-1 float field (H,W), through PIL in 8 bits;
    accurate enough for masks and light fields."""
    if sigma <= 0.3:
        return a
    img = Image.fromarray(np.clip(a * 255 + 0.5, 0, 255).astype(np.uint8), "L")
    return np.asarray(img.filter(ImageFilter.GaussianBlur(sigma)), np.float32) / 255


_NOISE = {}


def noise(rng, sigma):
    """Zero-mean, unit-spread smooth noise over the canvas: one field per
    sigma, made once, shifted at random for each use."""
    if sigma not in _NOISE:
        g = np.random.default_rng(7).standard_normal((H, W)).astype(np.float32)
        f = blur(np.clip(0.5 + g / 8, 0, 1), sigma) - 0.5
        _NOISE[sigma] = f / max(float(f.std()), 1e-6)
    f = _NOISE[sigma]
    return np.roll(np.roll(f, int(rng.integers(H)), 0), int(rng.integers(W)), 1)


def over(canvas, colour, alpha):
    """canvas = canvas * (1 - alpha) + colour * alpha, where alpha > 0."""
    rows = np.nonzero(alpha.max(axis=1) > 0.002)[0]
    cols = np.nonzero(alpha.max(axis=0) > 0.002)[0]
    if len(rows) == 0:
        return
    sub = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    a = alpha[sub][..., None]
    colour = np.broadcast_to(colour, canvas.shape)[sub]
    canvas[sub] = canvas[sub] * (1 - a) + colour * a


class Face:
    """One source face: landmarks, eye frame, skin colours."""

    def __init__(self, name, image):
        self.name = name
        pts = np.array([[float(v) for v in p.split(",")] for p in LANDMARKS[name].split()])
        left, right = pts[36:42].mean(0), pts[42:48].mean(0)
        self.mid = (left + right) / 2
        self.d = float(np.hypot(*(right - left)))
        self.theta = math.atan2(right[1] - left[1], right[0] - left[0])
        # A crop around the face, in linear light.
        r = 3.2 * self.d
        x0, y0 = int(max(self.mid[0] - r, 0)), int(max(self.mid[1] - r, 0))
        x1 = int(min(self.mid[0] + r, image.shape[1]))
        y1 = int(min(self.mid[1] + r, image.shape[0]))
        self.img = image[y0:y1, x0:x1].copy()
        self.pts = pts - (x0, y0)
        self.mid = self.mid - (x0, y0)
        c, s = math.cos(self.theta), math.sin(self.theta)
        # Landmarks in the head frame: eye midpoint at 0, eye distance 1.
        rel = self.pts - self.mid
        self.q = np.stack([(rel[:, 0] * c + rel[:, 1] * s),
                           (-rel[:, 0] * s + rel[:, 1] * c)], axis=1) / self.d
        self.brow = float(self.q[17:27, 1].mean())
        self.half = float((self.q[16, 0] - self.q[0, 0]) / 2)
        self.skin = (self.sample(-0.55, 0.6, 0.2) + self.sample(0.55, 0.6, 0.2)) / 2  # cheeks
        self.forehead = self.sample(0.0, self.brow - 0.45, 0.25)

    def to_src(self, q):
        c, s = math.cos(self.theta), math.sin(self.theta)
        q = np.asarray(q, np.float64) * self.d
        return self.mid + np.stack([q[..., 0] * c - q[..., 1] * s, q[..., 0] * s + q[..., 1] * c], -1)

    def sample(self, qx, qy, r):
        x, y = self.to_src((qx, qy))
        rr = int(r * self.d)
        patch = self.img[int(y) - rr // 2:int(y) + rr // 2, int(x) - rr:int(x) + rr]
        return np.median(patch.reshape(-1, 3), axis=0).astype(np.float32)


def bilinear(img, sx, sy):
    h, w = img.shape[:2]
    sx = np.clip(sx, 0, w - 1.001)
    sy = np.clip(sy, 0, h - 1.001)
    x0, y0 = sx.astype(np.int32), sy.astype(np.int32)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]
    return ((img[y0, x0] * (1 - fx) + img[y0, x0 + 1] * fx) * (1 - fy)
            + (img[y0 + 1, x0] * (1 - fx) + img[y0 + 1, x0 + 1] * fx) * fy)


def close_eyes(face, img):
    """Pulls each upper lid down to the lower lid; draws the lash line."""
    pts = face.pts
    out = img.copy()
    for idx in (range(36, 42), range(42, 48)):
        e = pts[list(idx)]
        width = np.hypot(*(e[3] - e[0]))
        xs = np.arange(int(e[0][0] - 0.2 * width), int(e[3][0] + 0.2 * width) + 1)
        upper = np.interp(xs, [e[0][0], e[1][0], e[2][0], e[3][0]], [e[0][1], e[1][1], e[2][1], e[3][1]])
        lower = np.interp(xs, [e[0][0], e[5][0], e[4][0], e[3][0]], [e[0][1], e[5][1], e[4][1], e[3][1]])
        lower = lower + 0.06 * width
        top = upper - 0.55 * width
        y0, y1 = int(top.min()), int(lower.max()) + 1
        ys = np.arange(y0, y1)
        gx, gy = np.meshgrid(xs, ys)
        t, u, lo = top[None, :], upper[None, :], lower[None, :]
        inside = (gy >= t) & (gy <= lo)
        sy = np.where(inside, t + (gy - t) * (u - t) / np.maximum(lo - t, 1e-3), gy)
        out[y0:y1, xs[0]:xs[-1] + 1] = bilinear(img, gx.astype(np.float32), sy.astype(np.float32))
        # Lash line along the lower lid, darker in the middle.
        lash = Image.new("L", (img.shape[1], img.shape[0]), 0)
        line = [(float(x), float(y - 0.04 * width)) for x, y in zip(xs[::2], lower[::2])
                if e[0][0] - 0.05 * width <= x <= e[3][0] + 0.05 * width]
        ImageDraw.Draw(lash).line(line, fill=200, width=max(1, int(0.07 * width)))
        a = np.asarray(lash.filter(ImageFilter.GaussianBlur(0.6)), np.float32)[..., None] / 255
        out = out * (1 - a) + lin((40, 28, 24)) * a
    return out


def open_mouth(face, img, gap):
    """Drops the lower jaw by gap (in mouth widths): the lower lip parts
    from the upper in a lens between the corners, the chin moves down
    whole, the cheeks stretch. Returns the image and the moved landmarks."""
    pts = face.pts.copy()
    mw = np.hypot(*(pts[64] - pts[60]))
    g = gap * mw
    h, w = img.shape[:2]
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    xc = (pts[60][0] + pts[64][0]) / 2
    jaw_half = (pts[12][0] - pts[4][0]) / 2

    def lens(x):
        u = (x - xc) / (0.5 * mw)
        return np.sqrt(np.clip(1 - u * u, 0, 1))

    def broad(x):
        t = np.clip(1.6 - 1.6 * np.abs(x - xc) / jaw_half, 0, 1)
        return t * t * (3 - 2 * t)
    lower_x = [pts[60][0], pts[67][0], pts[66][0], pts[65][0], pts[64][0]]
    lower_y = [pts[60][1], pts[67][1], pts[66][1], pts[65][1], pts[64][1]]
    mouth_line = np.interp(gx, lower_x, lower_y)
    below = np.clip((gy - mouth_line) / (0.06 * mw) + 0.5, 0, 1)
    deep = smoothstep(0.0, 0.6 * mw, gy - mouth_line)
    profile = np.maximum(lens(gx), broad(gx)) * deep + lens(gx) * (1 - deep)
    fade = np.clip(1 - (gy - (pts[8][1] + g)) / (0.5 * face.d), 0, 1)
    out = bilinear(img, gx, gy - g * profile * below * fade)
    for i in list(range(3, 14)) + [55, 56, 57, 58, 59, 65, 66, 67]:
        x = pts[i][0]
        pts[i][1] += g * (float(lens(x)) if i in (65, 66, 67) else float(max(lens(x), broad(x))))
    # The cavity: the upper inner lip, then the dropped lower one.
    xs = np.linspace(pts[60][0], pts[64][0], 24)
    up = np.interp(xs, [pts[i][0] for i in (60, 61, 62, 63, 64)], [pts[i][1] for i in (60, 61, 62, 63, 64)])
    lo = np.interp(xs, lower_x, lower_y) + g * lens(xs)
    ring = [(x, y) for x, y in zip(xs, up)] + [(x, y) for x, y in zip(xs[::-1], lo[::-1])]
    cav = Image.new("L", (w, h), 0)
    ImageDraw.Draw(cav).polygon(ring, fill=255)
    cav = np.asarray(cav.filter(ImageFilter.GaussianBlur(0.9)), np.float32)[..., None] / 255
    upper = np.interp(gx, xs, up)
    depth = np.clip((gy - upper) / max(g, 1), 0, 1)[..., None]
    cavity = lin((75, 32, 35)) * (1 - 0.7 * depth)
    tooth = np.clip(1 - np.abs(gx - xc) / (0.36 * mw), 0, 1) ** 0.3
    teeth = np.clip((upper + 0.2 * g * tooth - gy) / 1.5, 0, 1)[..., None] * (tooth > 0)[..., None]
    enamel = lin((222, 214, 196)) * (0.75 + 0.25 * tooth[..., None])
    cavity = cavity * (1 - teeth) + enamel * teeth
    out = out * (1 - cav) + cavity * cav
    return out, pts


class Frame:
    """The head frame of one photo: eye midpoint C, eye distance d, roll."""

    def __init__(self, cx, cy, d, roll_deg):
        self.c = np.array([cx, cy], np.float64)
        self.d = d
        a = math.radians(roll_deg)
        self.cos, self.sin = math.cos(a), math.sin(a)
        dx, dy = XX - cx, YY - cy
        self.ux = (dx * self.cos + dy * self.sin) / d
        self.uy = (-dx * self.sin + dy * self.cos) / d

    def canvas(self, q):
        q = np.asarray(q, np.float64) * self.d
        return self.c + np.stack([q[..., 0] * self.cos - q[..., 1] * self.sin,
                                  q[..., 0] * self.sin + q[..., 1] * self.cos], -1)

    def mask(self, q_outline, feather=0.02):
        return poly_mask(self.canvas(q_outline), feather * self.d)


def mirror(points):
    """Right-half control points (crown first, bottom last) -> closed outline."""
    right = list(points)
    left = [(-x, y) for x, y in reversed(right)]
    if abs(right[0][0]) < 1e-6:
        left = left[:-1]
    if abs(right[-1][0]) < 1e-6:
        left = left[1:]
    return right + left


def smoothstep(e0, e1, x):
    t = np.clip((x - e0) / (e1 - e0), 0, 1)
    return t * t * (3 - 2 * t)


def head_metrics(face, q):
    return dict(half=float((q[16, 0] - q[0, 0]) / 2), brow=float(q[17:27, 1].mean()),
                chin=float(q[8, 1]))


def face_outline(q, m):
    """The source cut: jaw contour, then an arc over the forehead."""
    brow, half = m["brow"], m["half"]
    top = [(q[16, 0] * 0.97, brow - 0.1), (0.62 * half, brow - 0.62), (0.0, brow - 0.74),
           (-0.62 * half, brow - 0.62), (q[0, 0] * 0.97, brow - 0.1)]
    arc = spline(top, closed=False, n=8)
    return np.concatenate([q[0:17], arc])


def dome_light(fr, cy, ax, ay, light):
    """Lambert shading of an ellipsoid seen from the front."""
    nx = fr.ux / ax
    ny = (fr.uy - cy) / ay
    nz = np.sqrt(np.clip(1 - nx * nx - ny * ny, 0.02, 1))
    return nx, ny, nz


def lambert(nx, ny, nz, light, ambient=0.38):
    n = np.sqrt(nx * nx + ny * ny + nz * nz)
    dot = (nx * light[0] + ny * light[1] + nz * light[2]) / n
    return ambient + (1 - ambient) * np.clip(dot, 0, 1)


def paint_head(canvas, alpha, rng, p, fr, face, src_img, q):
    """The real face, warped from the source, on a skull whose colour is
    the face's own forehead just under the cut."""
    m = head_metrics(face, q)
    outline = face_outline(q, m)
    mask = fr.mask(outline, 0.035)
    ys, xs = np.nonzero(mask > 0.001)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    sub = (slice(y0, y1), slice(x0, x1))
    src = face.to_src(np.stack([fr.ux[sub], fr.uy[sub]], -1))
    warped = bilinear(src_img, src[..., 0].astype(np.float32), src[..., 1].astype(np.float32))
    band = ((np.abs(fr.ux[sub]) < 0.4) & (fr.uy[sub] > m["brow"] - 0.62)
            & (fr.uy[sub] < m["brow"] - 0.45) & (mask[sub] > 0.99))
    forehead = np.median(warped[band], axis=0) if band.sum() > 20 else face.forehead
    a, cy, b = 1.04 * m["half"], -0.33, 1.72
    skull = np.clip(((1 - (fr.ux / a) ** 2 - ((fr.uy - cy) / b) ** 2)) * fr.d * 0.6, 0, 1)
    light = p["light"]
    nx, ny, nz = dome_light(fr, cy, a, b, light)
    shade = lambert(nx, ny, nz, light, 0.6)
    ref = lambert(*dome_light_point(0.0, m["brow"] - 0.55, cy, a, b), light, 0.6)
    col = forehead[None, None, :] * np.minimum(shade / ref, 1.05)[..., None]
    # A little skin texture and the shine of a bald crown.
    col *= (1 + 0.03 * noise(rng, 1.2))[..., None]
    hx, hy, hz = light[0], light[1], light[2] + 1
    hn = math.sqrt(hx * hx + hy * hy + hz * hz)
    spec = np.clip((nx * hx + ny * hy + nz * hz) / hn, 0, 1) ** 30 * 0.06
    col += spec[..., None]
    over(canvas, col, skull)
    alpha += skull * (1 - alpha)
    region = canvas[sub]
    region[:] = region * (1 - mask[sub][..., None]) + warped * mask[sub][..., None]
    alpha += mask * (1 - alpha)
    return m


def dome_light_point(x, y, cy, ax, ay):
    nx, ny = x / ax, (y - cy) / ay
    return nx, ny, math.sqrt(max(1 - nx * nx - ny * ny, 0.02))


def paint_neck(canvas, alpha, p, face, fr0):
    light = p["light"]
    neck = [(-0.8, 0.9), (0.8, 0.9), (0.86, 2.6), (1.0, 3.2), (-1.0, 3.2), (-0.86, 2.6)]
    nm = fr0.mask(neck, 0.02)
    shade = (0.84 + 0.1 * np.clip(fr0.ux * light[0], -1, 1))
    shade = shade * (1 - 0.25 * smoothstep(2.4, 1.8, fr0.uy))
    over(canvas, face.skin[None, None, :] * shade[..., None], nm)
    alpha += nm * (1 - alpha)


def paint_body(canvas, alpha, rng, p, face, fr0):
    """The shoulders, upright (fr0: the frame without roll)."""
    light = p["light"]
    dip = p["neckline"]
    body = spline([(0.0, dip), (0.8, 2.5), (1.7, 2.8), (2.8, 3.25), (3.4, 4.1), (3.8, 6.5),
                   (4.1, 9.0), (-4.1, 9.0), (-3.8, 6.5), (-3.4, 4.1), (-2.8, 3.25), (-1.7, 2.8),
                   (-0.8, 2.5)], closed=True, n=8)
    bm = fr0.mask(body, 0.01)
    cloth = lin(p["clothes"])
    nx = fr0.ux / 4.5 + 0.12 * np.sin(fr0.ux * 5.0 + fr0.uy * 1.3)
    shade = lambert(nx, -0.15 + 0 * nx, np.ones_like(nx), light, 0.45)
    over(canvas, cloth[None, None, :] * shade[..., None], bm)
    alpha += bm * (1 - alpha)


def strands(rng, fr, n, sample, flow, lengths, colours, width, curl):
    """n quadratic Bezier strokes: sample() gives a start, flow(q) a direction."""
    layer = Image.new("RGB", (W, H))
    lmask = Image.new("L", (W, H), 0)
    draw, dmask = ImageDraw.Draw(layer), ImageDraw.Draw(lmask)
    ts = np.linspace(0, 1, 6)[:, None]
    for _ in range(n):
        p0 = sample()
        direction = flow(p0)
        length = rng.uniform(*lengths)
        perp = np.array([-direction[1], direction[0]])
        bend = rng.normal(0, curl[0]) if curl[1] == 0 else rng.choice([-1, 1]) * rng.uniform(*curl)
        p1 = p0 + direction * length / 2 + perp * bend
        p2 = p0 + direction * length + perp * bend * 0.3
        pts = (1 - ts) ** 2 * p0 + 2 * (1 - ts) * ts * p1 + ts ** 2 * p2
        c = colours()
        xy = [tuple(v) for v in fr.canvas(pts)]
        draw.line(xy, fill=tuple(int(v) for v in c), width=width)
        dmask.line(xy, fill=255, width=width)
    return lin(np.asarray(layer, np.float32)), np.asarray(lmask, np.float32) / 255


def paint_hair(canvas, alpha, rng, p, fr, m, part):
    """part 'back': long hair hanging behind the face; 'top': the crown."""
    hair = p["hair"]
    base = np.array(hair["colour"], np.float64)
    second = np.array(hair.get("second", hair["colour"]), np.float64)
    half, brow = m["half"], m["brow"]
    vol, style = hair["volume"], hair["style"]
    a, cy, b = 1.04 * half + vol, -0.33 - 0.3 * vol, 1.72 + vol
    width = max(1, int(round(fr.d / 80)))

    def colours():
        c = second if rng.random() < hair.get("mix", 0.0) else base
        return np.clip(c * rng.uniform(0.72, 1.22), 0, 255)

    light = p["light"]
    if part == "back":
        if style != "long":
            return
        length = hair["length"]
        side = [(0.0, cy - b), (a, cy - 0.2), (a + 0.25, 0.6), (a + 0.3, length - 0.5),
                (a + 0.05, length), (0.6 * half, length - 0.3), (0.5 * half, 1.6)]
        region = fr.mask(spline(mirror(side), n=8), 0.02)
        def sample():
            return np.array([rng.uniform(-a - 0.3, a + 0.3), rng.uniform(-0.6, length)])
        flow = lambda q: np.array([0.1 * np.sign(q[0]), 1.0]) / 1.005
        lengths, curl, n = (0.4, 1.0), (0.04, 0), 2200
        density = 0.95
    else:
        recede = 0.35 if style == "thin" else 0.0
        ph = hair["phase"]
        wobble = 0.04 * np.sin(fr.ux * 9 + ph) + 0.03 * np.sin(fr.ux * 23 + 2 * ph)
        t = (np.abs(fr.ux) - 0.55 * half) / (0.22 * half)
        hairline = (brow - 0.75 - recede + 0.22 * (fr.ux / half) ** 2 + wobble
                    + (0.18 + recede * 0.5) * np.exp(-t * t))
        side = np.abs(fr.ux) > 0.86 * half
        cap = (((fr.ux / a) ** 2 + ((fr.uy - cy) / b) ** 2 < 1)
               & ((fr.uy < hairline) | (side & (fr.uy < -0.05 + wobble))))
        region = blur(cap.astype(np.float32), 0.015 * fr.d)
        whorl = np.array([0.15, -1.85])
        parting = hair["parting"] * half
        top_y = cy - b

        def sample():
            while True:
                q = np.array([rng.uniform(-a, a), rng.uniform(top_y, 0.0)])
                if (q[0] / a) ** 2 + ((q[1] - cy) / b) ** 2 < 1:
                    return q

        def flow(q):
            if hair["parting"] == 0:
                v = q - whorl
            else:  # combed down and away from the parting
                v = np.array([np.sign(q[0] - parting) * 1.0, 0.35 + 0.4 * (q[1] > -0.9)])
            v = v + rng.normal(0, 0.15, 2)
            return v / (np.linalg.norm(v) + 1e-6)
        if style == "curly":
            lengths, curl, n = (0.05, 0.12), (0.04, 0.09), hair["strands"]
        else:
            lengths, curl, n = (0.22, 0.5), (0.05, 0), hair["strands"]
        density = 0.5 if style == "thin" else 0.92
    lay, smask = strands(rng, fr, int(n), sample, flow, lengths, colours, width, curl)
    nx, ny, nz = dome_light(fr, cy, a + 0.2, b + 0.3, light)
    shade = lambert(nx, ny, nz, light, 0.45)[..., None]
    fuzzy = np.clip(blur(region, 0.03 * fr.d) * 1.6, 0, 1)
    out = region * density
    over(canvas, lin(base * 0.68) * shade, out)
    sm = smask * fuzzy * (0.75 if style == "thin" else 1.0)
    over(canvas, lay * shade, sm)
    alpha += np.maximum(out, sm) * (1 - alpha)


def covering_outline(shape, q, m):
    """(outer outline, face opening or None) in the head frame."""
    half, brow, chin = m["half"], m["brow"], m["chin"]
    a, crown = 1.04 * half, -2.05
    if shape == "hijab":
        outer = mirror([(0.0, crown - 0.2), (0.8 * a + 0.12, crown + 0.2), (a + 0.24, -0.9),
                        (a + 0.2, 0.3), (half + 0.22, 1.2), (1.55, chin + 0.55),
                        (2.15, chin + 1.25), (2.5, chin + 2.6), (2.6, 9.0)])
        top = [(0.86 * half, brow - 0.18), (0.45 * half, brow - 0.4), (0.0, brow - 0.45),
               (-0.45 * half, brow - 0.4), (-0.86 * half, brow - 0.18)]
        jaw = [(q[i, 0] * 0.92, q[i, 1] - (0.03 if i == 8 else 0.0)) for i in range(0, 17)]
        opening = np.concatenate([np.array(jaw), spline(top, closed=False, n=6)])
        return spline(outer, n=8), opening
    if shape == "scarf":
        outer = mirror([(0.0, crown - 0.3), (a + 0.25, crown + 0.4), (a + 0.42, -0.6),
                        (a + 0.45, 0.6), (half + 0.5, 1.7), (1.85, chin + 0.9),
                        (2.6, chin + 1.7), (2.9, 9.0)])
        opening = spline(mirror([(0.0, brow - 0.85), (0.55 * half, brow - 0.8),
                                 (half + 0.03, brow - 0.35), (half + 0.06, 0.6),
                                 (0.9 * half, chin - 0.2), (0.85, chin + 0.5),
                                 (0.4, chin + 1.4), (0.0, chin + 1.6)]), n=8)
        return spline(outer, n=8), opening
    if shape == "turban":
        outer = mirror([(0.0, crown - 0.62), (0.55 * a, crown - 0.5), (a + 0.16, crown + 0.2),
                        (a + 0.2, -0.9), (half + 0.1, -0.05), (0.95 * half, brow - 0.18),
                        (0.5 * half, brow - 0.45), (0.0, brow - 0.55)])
        return spline(outer, n=8), None
    # cap (kufi): the crown only
    outer = mirror([(0.0, crown - 0.06), (0.78 * a, crown + 0.22), (a + 0.04, -1.2),
                    (0.98 * a, brow - 0.68), (0.55 * a, brow - 0.9), (0.0, brow - 0.95)])
    return spline(outer, n=8), None


def fold_field(shape, fr, rng, cov):
    """Fold phase over the fabric and the fold amplitude (normal slope)."""
    ux, uy = fr.ux, fr.uy
    ph0 = cov["phase"]
    if shape == "hijab":
        ang = np.arctan2(ux, -(uy - 0.3))
        head = ang * 7 + 1.2 * np.sin(np.hypot(ux, uy - 0.3) * 2.2) + ph0
        drape = (2 * math.pi * ux / 0.55 + 1.4 * np.sin(uy * 1.1) + 1.1 * np.sin(ux * 2.3 + ph0)
                 + ph0)
        t = smoothstep(2.2, 3.0, uy)
        return head * (1 - t) + drape * t, 0.18 + 0.22 * t
    if shape == "scarf":
        a = cov["angle"]
        along = ux * math.cos(a) + uy * math.sin(a)
        phase = (2 * math.pi * along / 0.62 + 2.2 * np.sin(uy * 0.8) + 1.3 * np.sin(along * 1.9 + ph0)
                 + ph0)
        return phase, 0.35
    if shape == "turban":
        return 2 * math.pi * (np.abs(ux) * 1.1 - uy * 0.85) / 0.3 + ph0, 0.55
    return np.arctan2(ux, -(uy + 1.2)) * 16 + ph0, 0.08


def pattern(kind, cov, fu, fv, rng):
    """Mask (0-1) of the second colour in fabric coordinates."""
    if kind == "stripes":
        beta = cov["angle"]
        s = (fu * math.cos(beta) + fv * math.sin(beta)) / cov["period"]
        return (np.mod(s, 1.0) < cov["duty"]).astype(np.float32)
    if kind == "checks":
        a = np.mod(fu / cov["period"], 1.0) < 0.5
        b = np.mod(fv / cov["period"], 1.0) < 0.5
        return (a.astype(np.float32) + b.astype(np.float32)) / 2
    if kind == "dots":
        s = cov["period"]
        gx, gy = np.mod(fu, s) - s / 2, np.mod(fv + np.floor(fu / s) * s / 2, s) - s / 2
        return (gx * gx + gy * gy < (0.27 * s) ** 2).astype(np.float32)
    if kind == "floral":
        s = cov["period"]
        cx, cy = np.floor(fu / s), np.floor(fv / s)
        h = np.sin(cx * 12.9898 + cy * 78.233) * 43758.5453
        jx = (np.mod(h, 1.0) - 0.5) * 0.4 * s
        jy = (np.mod(h * 1.7, 1.0) - 0.5) * 0.4 * s
        ox, oy = np.mod(fu, s) - s / 2 - jx, np.mod(fv, s) - s / 2 - jy
        rot = np.mod(h * 3.1, 1.0) * 6.283
        m = np.zeros_like(fu)
        for k in range(5):
            ang = rot + k * 1.2566
            px, py = 0.17 * s * np.cos(ang), 0.17 * s * np.sin(ang)
            m = np.maximum(m, ((ox - px) ** 2 + (oy - py) ** 2 < (0.12 * s) ** 2).astype(np.float32))
        return m
    return np.zeros_like(fu)


def paint_covering_back(canvas, alpha, p, fr, q, m):
    """The inside of a hijab or scarf, seen through its opening."""
    cov = p["covering"]
    outer, opening = covering_outline(cov["shape"], q, m)
    if opening is None:
        return
    mask = fr.mask(outer, 0.012)
    over(canvas, lin(cov["colour"]) * 0.45, mask)
    alpha += mask * (1 - alpha)


def paint_covering(canvas, alpha, rng, p, fr, q, m):
    cov = p["covering"]
    shape = cov["shape"]
    outer, opening = covering_outline(shape, q, m)
    mask = fr.mask(outer, 0.012)
    if opening is not None:
        mask = mask * (1 - fr.mask(opening, 0.015))
    phase, amp = fold_field(shape, fr, rng, cov)
    light = p["light"]
    if shape in ("turban", "cap"):
        top = -2.4 if shape == "turban" else -2.1
        nx, ny, nz = dome_light(fr, -0.9, 1.04 * m["half"] + 0.3, -top - 0.9 + 0.5, light)
    else:
        nx, ny, nz = dome_light(fr, -0.2, 1.04 * m["half"] + 0.5, 2.4, light)
        t = smoothstep(1.6, 2.6, fr.uy)
        nx = nx * (1 - t) + (fr.ux / 5.0) * t
        ny = ny * (1 - t) - 0.1 * t
        nz = nz * (1 - t) + 1.0 * t
    nx = nx + amp * np.cos(phase)
    shade = lambert(nx, ny, nz, light, 0.42)
    valley = np.mod(phase, 2 * math.pi) - math.pi
    shade *= 1 - cov["crease"] * np.exp(-valley * valley / 0.18)
    weave = 1 + 0.02 * noise(rng, 0.7)
    shade = shade * weave
    fu = fr.ux + 0.05 * np.sin(phase)
    fv = fr.uy + 0.05 * np.cos(phase)
    kind = cov["texture"]
    if kind == "band" and opening is not None:
        centre = np.array([0.0, 0.5])
        wide = (opening - centre) * np.array([1.14, 1.1]) + centre
        second = fr.mask(wide, 0.01) * mask
    elif kind == "band":
        pleat = np.floor(phase / (2 * math.pi))
        second = (np.mod(pleat, 2) == 0).astype(np.float32) if shape == "turban" else \
            (fr.uy > m["brow"] - 0.95 - 0.18).astype(np.float32)
    else:
        second = pattern(kind, cov, fu, fv, rng)
    base = lin(cov["colour"])
    other = lin(cov.get("second", cov["colour"]))
    col = base[None, None, :] * (1 - second[..., None]) + other[None, None, :] * second[..., None]
    if kind == "checks":  # gingham: both stripes over each other are darker
        both = (second > 0.9)[..., None]
        col = np.where(both, other * 0.7, col)
    over(canvas, col * shade[..., None], mask)
    alpha += mask * (1 - alpha)


def backdrop(rng, p):
    """The paper backdrop under the key light, in linear RGB."""
    refl = lin(p["backdrop"])
    g = p["backdrop_light"]
    illum = (1 + g[0] * (XX / W - 0.5) + g[1] * (YY / H - 0.5)
             + g[2] * np.exp(-((XX - g[3] * W) ** 2 + (YY - 0.45 * H) ** 2) / (2 * (0.35 * W) ** 2)))
    paper = 1 + 0.008 * noise(rng, 5)
    bg = refl[None, None, :] * (illum * paper)[..., None]
    for kind in p.get("clutter", []):
        if kind == "door":
            x0 = int(W * rng.uniform(0.03, 0.1))
            bg[:, x0:x0 + int(W * 0.06)] = lin((140, 100, 65)) * illum[:, x0:x0 + int(W * 0.06), None]
        elif kind == "poster":
            x0, y0 = int(W * rng.uniform(0.66, 0.75)), int(H * rng.uniform(0.04, 0.1))
            bg[y0:y0 + int(H * 0.2), x0:x0 + int(W * 0.22)] = lin((60, 90, 140))
            bg[y0 + 15:y0 + int(H * 0.2) - 15, x0 + 15:x0 + int(W * 0.22) - 15] = lin((210, 170, 90))
        elif kind == "shelf":
            y0 = int(H * rng.uniform(0.1, 0.16))
            bg[y0:y0 + 22, :int(W * 0.3)] = lin((90, 70, 50))
    return bg


def camera(rng, p, scene):
    """Light, white-balance error, vignetting, noise, sRGB, lens blur."""
    img = scene * (np.array(p["cast"], np.float32) * p["exposure"])[None, None, :]
    r2 = ((XX - W / 2) / (W / 2)) ** 2 + ((YY - H / 2) / (H / 2)) ** 2
    img = img * (1 - p["vignette"] * r2)[..., None]
    sigma = np.sqrt(np.clip(img, 0, None) * p["shot"] + p["read"] ** 2)
    img = img + rng.standard_normal(img.shape, dtype=np.float32) * sigma
    out = Image.fromarray(to_srgb8(img))
    if p["lens_blur"] > 0.05:
        out = out.filter(ImageFilter.GaussianBlur(p["lens_blur"]))
    return out


def render(rng, faces, image, p):
    face = faces[p["source"]]
    src = face.img
    q = face.q
    if p.get("eyes_closed"):
        src = close_eyes(face, src)
    if p.get("mouth_open"):
        src, pts = open_mouth(face, src, p["mouth_open"])
        rel = pts - face.mid
        c, s = math.cos(face.theta), math.sin(face.theta)
        q = np.stack([rel[:, 0] * c + rel[:, 1] * s, -rel[:, 0] * s + rel[:, 1] * c], 1) / face.d
    bg = backdrop(rng, p)
    canvas = np.zeros((H, W, 3), np.float32)
    alpha = np.zeros((H, W), np.float32)
    fr = Frame(p["cx"], p["cy"], p["d"], p["roll"])
    fr0 = Frame(p["cx"], p["cy"], p["d"], 0.0)
    paint_body(canvas, alpha, rng, p, face, fr0)
    m = head_metrics(face, q)
    if p.get("covering"):
        paint_covering_back(canvas, alpha, p, fr, q, m)
    paint_neck(canvas, alpha, p, face, fr0)
    if p.get("hair"):
        paint_hair(canvas, alpha, rng, p, fr, m, "back")
    paint_head(canvas, alpha, rng, p, fr, face, src, q)
    if p.get("hair"):
        paint_hair(canvas, alpha, rng, p, fr, m, "top")
    if p.get("covering"):
        paint_covering(canvas, alpha, rng, p, fr, q, m)
    # Side light on the subject, then its cast shadow on the backdrop.
    side = p["side_light"]
    gain = 1 + side * np.clip((XX - p["cx"]) / (0.7 * p["d"]), -1, 1)
    canvas *= gain[..., None]
    k, ox, oy, soft = p["shadow"]
    shifted = np.roll(np.roll(alpha, int(oy * p["d"]), axis=0), int(ox * p["d"]), axis=1)
    shadow = blur(shifted, soft * p["d"]) * k
    scene = bg * (1 - shadow)[..., None] * (1 - alpha[..., None]) + canvas
    photo = camera(rng, p, scene)
    calib = camera(rng, p, bg)
    return photo, calib


HAIR = {
    "black": (25, 22, 20), "dark_brown": (55, 38, 28), "brown": (100, 70, 45),
    "auburn": (115, 55, 35), "blond": (195, 160, 105), "ginger": (170, 85, 40),
    "grey": (140, 140, 138), "salt_and_pepper": (60, 58, 55), "silver": (185, 187, 190),
    "white": (232, 230, 226), "light_grey": (200, 200, 198),
}
HAIR_STYLES = {"short": (0.05, 2600), "thin": (0.02, 900), "curly": (0.18, 3800), "long": (0.08, 3200)}
# Coverings: dark or saturated (L* < 62 or C* > 20: none is light) ...
DARK = {
    "black": (22, 22, 26), "charcoal": (58, 58, 62), "navy": (28, 36, 80), "midnight": (25, 30, 55),
    "bottle_green": (25, 70, 45), "forest": (40, 85, 50), "maroon": (100, 25, 38),
    "burgundy": (120, 30, 50), "chocolate": (75, 45, 30), "brown": (110, 70, 45),
    "taupe": (120, 105, 95), "rose": (190, 110, 130), "terracotta": (180, 90, 60),
    "teal": (20, 110, 115), "petrol": (30, 80, 100), "purple": (90, 45, 120), "plum": (110, 50, 90),
    "mustard": (195, 150, 35), "olive": (105, 105, 45), "slate": (95, 100, 110),
    "denim": (60, 85, 130), "rust": (150, 70, 35), "camel": (185, 150, 105), "red": (175, 30, 40),
    "emerald": (20, 130, 80), "royal_blue": (40, 60, 160),
}
# ... and white or light grey (L* 79-98, C* <= 6).
LIGHT = {
    "white": (246, 246, 244), "snow": (250, 249, 247), "off_white": (238, 235, 228),
    "pearl": (226, 226, 224), "light_grey": (208, 208, 208), "silver": (196, 196, 199),
    "pale_blue_grey": (218, 222, 230), "ivory": (241, 237, 226),
}
SECOND = [(240, 238, 232), (200, 40, 45), (230, 190, 60), (30, 30, 35), (60, 120, 190), (30, 110, 70)]
CLOTHES = [(30, 30, 35), (45, 55, 95), (95, 35, 35), (55, 75, 55), (120, 110, 100), (20, 20, 22),
           (75, 75, 80), (140, 100, 65), (235, 235, 232), (170, 190, 215)]
SHAPES = ["hijab", "scarf", "turban", "cap"]


def pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def base_params(rng):
    lx = rng.uniform(-0.45, 0.45)
    light = np.array([lx, -0.45, 0.85])
    v = rng.uniform(232, 248)
    return dict(
        source=pick(rng, NEUTRAL), cx=W / 2 + rng.uniform(-0.025, 0.025) * W,
        cy=H * rng.uniform(0.39, 0.44), d=rng.uniform(100, 128), roll=rng.uniform(-2, 2),
        light=light / np.linalg.norm(light),
        backdrop=tuple(v + rng.uniform(-2, 2, 3)),
        backdrop_light=(rng.uniform(-0.05, 0.05), rng.uniform(-0.04, 0.03), rng.uniform(0, 0.05),
                        rng.uniform(0.35, 0.65)),
        clothes=pick(rng, CLOTHES), neckline=rng.uniform(2.7, 3.2),
        side_light=rng.uniform(-0.03, 0.03),
        shadow=(rng.uniform(0.03, 0.12), rng.uniform(-0.2, 0.2), rng.uniform(0.05, 0.15),
                rng.uniform(0.2, 0.4)),
        cast=tuple(1 + rng.normal(0, 0.012, 3)), exposure=rng.uniform(0.93, 1.06),
        vignette=rng.uniform(0.03, 0.12), shot=rng.uniform(2e-4, 1e-3), read=rng.uniform(0.001, 0.004),
        lens_blur=rng.uniform(0.3, 0.8), quality=int(rng.integers(72, 96)),
        subsampling=int(pick(rng, [0, 2])), hair=None, covering=None, declared=False)


def hair_spec(rng, colour=None):
    name = colour or pick(rng, list(HAIR))
    style = pick(rng, list(HAIR_STYLES))
    vol, strands = HAIR_STYLES[style]
    spec = dict(name=name, colour=HAIR[name], style=style, volume=vol * rng.uniform(0.6, 1.4),
                strands=strands, length=rng.uniform(2.0, 3.2), phase=rng.uniform(0, 6.28),
                parting=pick(rng, [0, 0.35, -0.35, 0.1]))
    if name == "salt_and_pepper":
        spec.update(second=(205, 205, 202), mix=0.45)
    return spec


def covering_spec(rng, colours, texture="smooth", shape=None):
    name = pick(rng, list(colours))
    colour = colours[name]
    second = pick(rng, SECOND)
    # The second colour must differ clearly from the first.
    while np.abs(np.array(second) - np.array(colour)).sum() < 160:
        second = pick(rng, SECOND)
    return dict(name=name, colour=colour, second=second, texture=texture,
                shape=shape or pick(rng, SHAPES), phase=rng.uniform(0, 6.28),
                angle=rng.uniform(-0.8, 0.8) + (math.pi / 2 if rng.integers(2) else 0),
                period=rng.uniform(0.16, 0.32), duty=rng.uniform(0.3, 0.5),
                crease=rng.uniform(0.15, 0.35))


def corpus_plan(rng, scale):
    """(category, compliant, expected codes, parameters) per photo. A row
    of the table: typical count, category, expected codes (none: a
    compliant photo), the change to the base parameters."""

    def hair(p, colour=None):
        p["hair"] = hair_spec(rng, colour)

    def covered(p, colours, texture="smooth", declared=True, any_source=False):
        p["covering"] = covering_spec(rng, colours, texture)
        if texture in ("dots", "floral"):
            p["covering"]["period"] = rng.uniform(0.3, 0.5)
        p["declared"] = declared
        if any_source:
            p["source"] = pick(rng, NEUTRAL + OTHER)
        if p["covering"]["shape"] == "scarf" or rng.random() < 0.3:
            p["hair"] = hair_spec(rng, pick(rng, ["black", "dark_brown", "brown", "grey", "white"]))
            if p["hair"]["style"] == "long":
                p["hair"]["style"] = "short"

    def rolled(p):
        p["roll"] = rng.uniform(8, 20) * (1 if rng.integers(2) else -1)
        choice = rng.integers(3)
        if choice == 0:
            hair(p)
        elif choice == 1:
            covered(p, DARK)

    def with_hair(change):
        """Other defects: two in three with hair."""
        def f(p):
            if rng.integers(3):
                hair(p)
            change(p)
        return f

    def sign():
        return 1 if rng.integers(2) else -1
    light = ["head_covering_white_or_light_grey", "head_covering_low_contrast"]
    patterned = ["head_covering_not_single_coloured", "head_covering_not_smooth"]
    table = [
        (36, "compliant_hair", [], hair),
        (10, "compliant_bald", [], lambda p: None),
        (40, "compliant_covering", [], lambda p: covered(p, DARK)),
        (40, "covering_white_or_light_grey", light, lambda p: covered(p, LIGHT, any_source=True)),
        (30, "covering_not_declared", ["head_covering_not_declared"],
         lambda p: covered(p, DARK, declared=False, any_source=True)),
        (28, "covering_patterned", patterned,
         lambda p: covered(p, DARK, pick(rng, ["stripes", "checks", "dots", "floral"]), any_source=True)),
        (8, "covering_two_colour", patterned, lambda p: covered(p, DARK, "band", any_source=True)),
        (12, "rolled", ["not_frontal"], rolled),
        (4, "eyes_closed", ["eyes_closed", "eyes_not_visible"],
         with_hair(lambda p: p.update(eyes_closed=True))),
        (4, "mouth_open", ["mouth_open"], with_hair(lambda p: p.update(mouth_open=rng.uniform(0.5, 0.6)))),
        (3, "off_centre", ["face_off_centre"], with_hair(
            lambda p: p.update(cx=W * (rng.uniform(0.2, 0.25) if rng.integers(2) else rng.uniform(0.75, 0.8))))),
        (3, "too_small", ["head_too_small", "resolution_too_low"],
         with_hair(lambda p: p.update(d=rng.uniform(42, 55)))),
        (3, "too_large", ["head_too_large"], with_hair(lambda p: p.update(d=rng.uniform(215, 240), cy=H * 0.46))),
        (3, "background_colour", ["background_not_white"], with_hair(lambda p: p.update(
            backdrop=pick(rng, [(170, 190, 215), (205, 192, 165), (150, 150, 152), (185, 215, 190)])))),
        (3, "background_clutter", ["background_not_uniform"],
         with_hair(lambda p: p.update(clutter=[pick(rng, ["door", "poster", "shelf"])]))),
        (3, "background_shadow", ["background_not_uniform"],
         with_hair(lambda p: p.update(shadow=(rng.uniform(0.4, 0.5), 0.55 * sign(), 0.15, 0.12)))),
        (3, "underexposed", ["underexposed"], with_hair(lambda p: p.update(exposure=rng.uniform(0.3, 0.38)))),
        (3, "overexposed", ["overexposed"], with_hair(lambda p: p.update(exposure=rng.uniform(3.2, 4.0)))),
        # A camera white balance far off tints the backdrop as much as the face.
        (3, "colour_cast", ["unnatural_colour", "background_not_white"], with_hair(lambda p: p.update(
            cast=pick(rng, [(1.18, 1.0, 0.72), (0.85, 1.1, 0.85), (0.8, 0.95, 1.25)])))),
        (3, "uneven_lighting", ["uneven_lighting"],
         with_hair(lambda p: p.update(side_light=rng.uniform(0.35, 0.45) * sign()))),
        (3, "blurred", ["blurred"], with_hair(lambda p: p.update(lens_blur=p["d"] * rng.uniform(0.04, 0.06)))),
    ]
    plan = []
    for count, category, codes, change in table:
        for _ in range(max(1, int(round(count * scale)))):
            p = base_params(rng)
            change(p)
            plan.append((category, not codes, codes, p))
    return plan


def load_faces():
    paths = sorted(glob.glob(SOURCE_GLOB))
    if not paths:
        return None
    img = lin(np.asarray(Image.open(paths[0]).convert("RGB"), np.float32))
    return {name: Face(name, img) for name in LANDMARKS}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies the counts")
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--only", help="only the categories whose names contain this")
    args = ap.parse_args()
    faces = load_faces()
    if faces is None:
        print("photo-corpus2: %s is not installed (libdlib-dev)" % SOURCE_GLOB, file=sys.stderr)
        return 77
    os.makedirs(args.outdir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    labels = []
    for i, (category, compliant, codes, p) in enumerate(corpus_plan(rng, args.scale)):
        if args.only and args.only not in category:
            continue
        photo, calib = render(rng, faces, None, p)
        name = "%03d-%s.jpg" % (i, category)
        bgname = "bg-%03d.jpg" % i
        photo.save(os.path.join(args.outdir, name), quality=p["quality"], subsampling=p["subsampling"])
        calib.save(os.path.join(args.outdir, bgname), quality=95)
        cov = p["covering"] or {}
        labels.append(dict(
            file=name, background=bgname, category=category, compliant=compliant, expected=codes,
            declared=bool(p["declared"]), light_covering=category == "covering_white_or_light_grey",
            patterned=category in ("covering_patterned", "covering_two_colour"),
            covering=cov.get("name"), shape=cov.get("shape"), texture=cov.get("texture"),
            hair=(p["hair"] or {}).get("name"), hair_style=(p["hair"] or {}).get("style"),
            roll=round(float(p["roll"]), 1), source=p["source"]))
    with open(os.path.join(args.outdir, "labels.json"), "w") as f:
        json.dump(labels, f, indent=1)
    print("photo-corpus2: %d images in %s" % (len(labels), args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
