package tboard

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of tensorboard/compat/proto/{event,summary,histogram,
// tensor,tensor_shape,types}.proto (vendored in testdata/proto).
const (
	eventWallTime    = 1 // double
	eventStep        = 2 // int64
	eventFileVersion = 3 // string
	eventSummary     = 5 // Summary

	summaryValue = 1 // repeated Summary.Value

	valueTag         = 1 // string
	valueSimpleValue = 2 // float
	valueHisto       = 5 // HistogramProto
	valueTensor      = 8 // TensorProto
	valueMetadata    = 9 // SummaryMetadata

	metadataPluginData = 1 // SummaryMetadata.PluginData
	pluginName         = 1 // string
	pluginContent      = 2 // bytes

	histoMin         = 1 // double
	histoMax         = 2
	histoNum         = 3
	histoSum         = 4
	histoSumSquares  = 5
	histoBucketLimit = 6 // repeated double, packed
	histoBucket      = 7

	tensorDType     = 1 // DataType
	tensorShape     = 2 // TensorShapeProto (empty: a scalar)
	tensorStringVal = 8 // repeated bytes

	dtString = 7 // DT_STRING
)

// appendEventHeader appends an Event's wall_time and step.
func appendEventHeader(b []byte, wallTime float64, step int64) []byte {
	b = protowire.AppendTag(b, eventWallTime, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(wallTime))
	if step != 0 {
		b = protowire.AppendTag(b, eventStep, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(step))
	}
	return b
}

func fileVersionEvent(wallTime float64) []byte {
	b := appendEventHeader(nil, wallTime, 0)
	b = protowire.AppendTag(b, eventFileVersion, protowire.BytesType)
	return protowire.AppendString(b, "brain.Event:2")
}

// summaryEvent returns an Event holding a Summary with the one encoded
// Summary.Value value.
func summaryEvent(wallTime float64, step int64, value []byte) []byte {
	var summary []byte
	summary = protowire.AppendTag(summary, summaryValue, protowire.BytesType)
	summary = protowire.AppendBytes(summary, value)
	b := appendEventHeader(nil, wallTime, step)
	b = protowire.AppendTag(b, eventSummary, protowire.BytesType)
	return protowire.AppendBytes(b, summary)
}

func appendDouble(b []byte, num protowire.Number, v float64) []byte {
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, math.Float64bits(v))
}

func appendPackedDoubles(b []byte, num protowire.Number, vs []float64) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(8*len(vs)))
	for _, v := range vs {
		b = protowire.AppendFixed64(b, math.Float64bits(v))
	}
	return b
}

func scalarValue(tag string, v float32) []byte {
	var b []byte
	b = protowire.AppendTag(b, valueTag, protowire.BytesType)
	b = protowire.AppendString(b, tag)
	b = protowire.AppendTag(b, valueSimpleValue, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, math.Float32bits(v))
}

func histogramValue(tag string, h *Histogram) []byte {
	var p []byte
	p = appendDouble(p, histoMin, h.Min)
	p = appendDouble(p, histoMax, h.Max)
	p = appendDouble(p, histoNum, h.Num)
	p = appendDouble(p, histoSum, h.Sum)
	p = appendDouble(p, histoSumSquares, h.SumSquares)
	p = appendPackedDoubles(p, histoBucketLimit, h.BucketLimit)
	p = appendPackedDoubles(p, histoBucket, h.Bucket)
	var b []byte
	b = protowire.AppendTag(b, valueTag, protowire.BytesType)
	b = protowire.AppendString(b, tag)
	b = protowire.AppendTag(b, valueHisto, protowire.BytesType)
	return protowire.AppendBytes(b, p)
}

// textValue is what the text plugin's summary writes: a scalar DT_STRING
// tensor and metadata naming the plugin, with an empty TextPluginData
// (version 0) as content.
func textValue(tag, text string) []byte {
	var plugin, meta, tensor, b []byte
	plugin = protowire.AppendTag(plugin, pluginName, protowire.BytesType)
	plugin = protowire.AppendString(plugin, "text")
	plugin = protowire.AppendTag(plugin, pluginContent, protowire.BytesType)
	plugin = protowire.AppendBytes(plugin, nil)
	meta = protowire.AppendTag(meta, metadataPluginData, protowire.BytesType)
	meta = protowire.AppendBytes(meta, plugin)
	tensor = protowire.AppendTag(tensor, tensorDType, protowire.VarintType)
	tensor = protowire.AppendVarint(tensor, dtString)
	tensor = protowire.AppendTag(tensor, tensorShape, protowire.BytesType)
	tensor = protowire.AppendBytes(tensor, nil)
	tensor = protowire.AppendTag(tensor, tensorStringVal, protowire.BytesType)
	tensor = protowire.AppendString(tensor, text)
	b = protowire.AppendTag(b, valueTag, protowire.BytesType)
	b = protowire.AppendString(b, tag)
	b = protowire.AppendTag(b, valueMetadata, protowire.BytesType)
	b = protowire.AppendBytes(b, meta)
	b = protowire.AppendTag(b, valueTensor, protowire.BytesType)
	return protowire.AppendBytes(b, tensor)
}
